import type { Context } from "hono";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { guard } from "../../auth/route-policy";
import type { Deployment } from "../../core/model";
import type { RefusalReason } from "../../core/rollback-eligibility";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { requireWorker } from "../../services/lookups";
import { rollbackPolicy } from "../../services/policy";
import { type RollbackCandidate, rollbackCandidates } from "../../services/rollback-candidates";
import { rollbackWorker } from "../../services/rollback-service";
import { getActiveDeployment, getDeployment } from "../../storage/deployments";
import { deploymentPath, Reasons, Time, versionLabel, versionPath, workerPath } from "../components";
import { field, readForm } from "../form";
import { CsrfField } from "../layout";
import { dashboardContext, recordDashboardRefusal } from "../refusals";

const rollbackGuard = guard({ scope: "rollback", on: "worker", action: "worker.rollback" });
const ID = /^[A-Za-z0-9-]{1,64}$/;

/** What went wrong with the last attempt, shown above the form. */
type Problem =
	| { kind: "stale"; shown: string; now: Deployment | null }
	| { kind: "refused"; message: string; reasons: RefusalReason[] }
	| { kind: "invalid"; message: string };

function ProblemPanel(props: { worker: string; problem: Problem }) {
	const { problem } = props;
	if (problem.kind === "stale") {
		return (
			<div role="alert" class="panel error" id="problem">
				<h2>Someone deployed since you loaded this page</h2>
				<p>
					Nothing was rolled back. This page showed deployment <code>{problem.shown}</code> as active;
					{problem.now ? (
						<span>
							{" "}
							now <a href={deploymentPath(props.worker, problem.now.id)}>deployment {problem.now.number}</a> is, made by{" "}
							{problem.now.author.email} <Time at={problem.now.created_on} />
							{problem.now.message ? ` (“${problem.now.message}”)` : ""}.
						</span>
					) : (
						" it no longer is."
					)}{" "}
					The candidates below are judged against the new state; look again before you roll back.
				</p>
			</div>
		);
	}
	if (problem.kind === "refused") {
		return (
			<div role="alert" class="panel error" id="problem">
				<h2>Rollback refused</h2>
				<p>{problem.message}</p>
				{problem.reasons.length > 0 && <Reasons reasons={problem.reasons} />}
			</div>
		);
	}
	return (
		<p role="alert" class="panel error" id="problem">
			{problem.message}
		</p>
	);
}

function Candidate(props: { worker: string; item: RollbackCandidate; checked: boolean }) {
	const { item } = props;
	const v = item.version;
	const id = `target-${v.id}`;
	return (
		<div class="candidate">
			<input
				type="radio"
				name="target"
				id={id}
				value={v.id}
				checked={props.checked}
				disabled={item.active}
				aria-describedby={`${id}-about`}
			/>{" "}
			<label for={id}>
				{versionLabel(v)} {v.message ? `— ${v.message}` : ""}
			</label>
			<div id={`${id}-about`}>
				<span class="muted">
					<Time at={v.created_on} /> by {v.author.email} · <a href={versionPath(props.worker, v.id)}>details</a>
				</span>{" "}
				{item.active ? (
					<span class="badge info">serving now</span>
				) : item.eligible ? (
					<span class="badge ok">can roll back</span>
				) : item.eligible_with_force ? (
					<span class="badge warn">only with the secrets override</span>
				) : (
					<span class="badge bad">would be refused</span>
				)}
				{!item.active && item.reasons.length > 0 && <Reasons reasons={item.reasons} />}
			</div>
		</div>
	);
}

async function renderRollback(c: Context<AppEnv>, name: string, problem?: Problem, message = "") {
	const policy = rollbackPolicy(c.env);
	const { active_deployment_id, items } = await rollbackCandidates(c.env.DB, name, policy);
	if (!active_deployment_id) throw new ApiError("conflict", `Worker ${name} has no active deployment to roll back.`);
	const active = await getDeployment(c.env.DB, name, active_deployment_id);
	const first = items.find((i) => !i.active && i.eligible);
	return c.render(
		<section>
			<p>
				<a href={workerPath(name)}>← {name}</a>
			</p>
			<h1>Roll back {name}</h1>
			{problem && <ProblemPanel worker={name} problem={problem} />}
			<div class="panel warning">
				<h2>What a rollback does</h2>
				<ul>
					<li>
						All traffic moves to the version you pick, as a new deployment replacing{" "}
						{active && <a href={deploymentPath(name, active.id)}>deployment {active.number}</a>} (the one active when
						this page was loaded).
					</li>
					<li>
						What it does not do: bound data stays as it is. KV, R2, D1, queues, Durable Objects and other Workers are
						not rolled back; the older code runs against today's data.
					</li>
					<li>If someone deploys before you confirm, nothing happens and you are shown what changed.</li>
				</ul>
			</div>
			<form method="post" action={`${workerPath(name)}/rollback`}>
				<CsrfField />
				<input type="hidden" name="active" value={active_deployment_id} />
				<fieldset>
					<legend>
						Roll back to (the last {policy.window} versions; each says whether a rollback to it would be allowed)
					</legend>
					{items.map((item) => (
						<Candidate worker={name} item={item} checked={item === first} />
					))}
				</fieldset>
				<label for="message">Why are you rolling back?</label>
				<textarea id="message" name="message" required maxlength={1000} aria-describedby="message-help">
					{message}
				</textarea>
				<p id="message-help" class="muted">
					Recorded with the new deployment and in the audit log.
				</p>
				<p class="check">
					<input type="checkbox" id="force" name="force" value="true" />{" "}
					<label for="force">Go ahead even though secrets changed since that version (restores their old values)</label>
				</p>
				<button type="submit" class="danger">
					Roll back
				</button>{" "}
				<a class="button secondary" href={workerPath(name)}>
					Cancel
				</a>
			</form>
		</section>,
		{ title: `Roll back ${name}` },
	);
}

export const rollbackPages = new Hono<AppEnv>()
	.get("/workers/:name/rollback", rollbackGuard, async (c) => {
		const name = c.req.param("name");
		await requireWorker(c.env.DB, name);
		return renderRollback(c, name);
	})
	.post("/workers/:name/rollback", rollbackGuard, async (c) => {
		const name = c.req.param("name");
		await requireWorker(c.env.DB, name);
		const form = await readForm(c);
		const shown = field(form, "active", 64);
		const target = field(form, "target", 64);
		const message = field(form, "message", 1000);
		const fail = async (problem: Problem, status: number) => {
			c.status(status as ContentfulStatusCode);
			return renderRollback(c, name, problem, message);
		};
		if (!ID.test(shown))
			return fail({ kind: "invalid", message: "Reload the page: it did not say which deployment was active." }, 400);
		if (!ID.test(target)) return fail({ kind: "invalid", message: "Pick the version to roll back to." }, 400);
		if (!message)
			return fail({ kind: "invalid", message: "Say why you are rolling back: the message is recorded." }, 400);
		try {
			await rollbackWorker(dashboardContext(c, shown), {
				worker: name,
				version_id: target,
				message,
				force: form.get("force") === "true",
			});
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			await recordDashboardRefusal(c, error);
			if (error.code === "precondition_failed") {
				return fail({ kind: "stale", shown, now: await getActiveDeployment(c.env.DB, name) }, 412);
			}
			if (error.reason === "rollback_refused" || error.code === "rule_refused" || error.code === "conflict") {
				const reasons = (error.details as { reasons?: RefusalReason[] } | undefined)?.reasons ?? [];
				return fail({ kind: "refused", message: error.message, reasons }, error.status);
			}
			throw error;
		}
		return c.redirect(`${workerPath(name)}?notice=rolled-back`, 303);
	});

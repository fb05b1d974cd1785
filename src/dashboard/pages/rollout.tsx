import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { requireScope } from "../../auth/require-scope";
import { guard } from "../../auth/route-policy";
import type { Deployment, Version } from "../../core/model";
import { isSplit } from "../../core/traffic";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { deployVersions } from "../../services/deploy-service";
import { requireWorker } from "../../services/lookups";
import { getActiveDeployment } from "../../storage/deployments";
import { getVersionsByIds } from "../../storage/versions";
import { deploymentPath, Time, versionLabel, workerPath } from "../components";
import { field, readForm } from "../form";
import { CsrfField } from "../layout";
import { dashboardContext, recordDashboardRefusal } from "../refusals";

/** Aborting a rollout puts the older version back at 100 %: a rollback, so the rollback scope is enough. */
const rolloutGuard = guard({ scope: "rollback", on: "worker", action: "worker.deploy" });

type Action = "promote" | "abort";

const actionOf = (text: string | undefined): Action => {
	if (text === "promote" || text === "abort") return text;
	throw new ApiError("invalid_request", "A rollout can be promoted (action=promote) or aborted (action=abort).");
};

/** The active split rollout: its deployment, the new version and the old one. */
async function rolloutOf(
	db: D1Database,
	name: string,
): Promise<{ active: Deployment; newer: Version; older: Version }> {
	const active = await getActiveDeployment(db, name);
	if (!active || !isSplit(active)) {
		throw new ApiError(
			"conflict",
			`Worker ${name} has no gradual rollout in progress: its active deployment serves one version.`,
		);
	}
	const versions = await getVersionsByIds(
		db,
		name,
		active.versions.map((v) => v.version_id),
	);
	const [older, newer] = versions.sort((a, b) => a.number - b.number);
	if (!older || !newer) throw new Error(`deployment ${active.id} names versions D1 does not have`);
	return { active, newer, older };
}

async function renderConfirm(
	c: Context<AppEnv>,
	name: string,
	action: Action,
	problem?: { title: string; message: string },
) {
	const { active, newer, older } = await rolloutOf(c.env.DB, name);
	const keep = action === "promote" ? newer : older;
	const percent = (v: Version) => active.versions.find((s) => s.version_id === v.id)?.percentage ?? 0;
	return c.render(
		<section>
			<p>
				<a href={workerPath(name)}>← {name}</a>
			</p>
			<h1>
				{action === "promote" ? "Promote" : "Abort"} the rollout of {name}
			</h1>
			{problem && (
				<div role="alert" class="panel error" id="problem">
					<h2>{problem.title}</h2>
					<p>{problem.message}</p>
				</div>
			)}
			<div class="panel warning">
				<p>
					<a href={deploymentPath(name, active.id)}>Deployment {active.number}</a> (<Time at={active.created_on} />)
					splits traffic: {versionLabel(newer)} gets {percent(newer)} %, {versionLabel(older)} gets {percent(older)} %.
				</p>
				<p>
					{action === "promote"
						? `Promoting sends all traffic to ${versionLabel(newer)}.`
						: `Aborting sends all traffic back to ${versionLabel(older)}.`}{" "}
					Bound data (KV, R2, D1, queues, Durable Objects) stays as it is.
				</p>
			</div>
			<form method="post" action={`${workerPath(name)}/rollout`}>
				<CsrfField />
				<input type="hidden" name="active" value={active.id} />
				<input type="hidden" name="action" value={action} />
				<input type="hidden" name="version" value={keep.id} />
				<label for="message">Message</label>
				<textarea id="message" name="message" maxlength={1000}>
					{action === "promote" ? `Promote ${versionLabel(newer)}` : `Abort rollout of ${versionLabel(newer)}`}
				</textarea>
				<p>
					<button type="submit" class={action === "abort" ? "danger" : ""}>
						{action === "promote" ? `Promote ${versionLabel(newer)} to 100 %` : `Abort: back to ${versionLabel(older)}`}
					</button>{" "}
					<a class="button secondary" href={workerPath(name)}>
						Cancel
					</a>
				</p>
			</form>
		</section>,
		{ title: `${action === "promote" ? "Promote" : "Abort"} ${name}` },
	);
}

export const rolloutPages = new Hono<AppEnv>()
	.get("/workers/:name/rollout", rolloutGuard, async (c) => {
		const name = c.req.param("name");
		await requireWorker(c.env.DB, name);
		const action = actionOf(c.req.query("action"));
		if (action === "promote") requireScope(c.var.principal.grants, { scope: "deploy", worker: name });
		return renderConfirm(c, name, action);
	})
	.post("/workers/:name/rollout", rolloutGuard, async (c) => {
		const name = c.req.param("name");
		await requireWorker(c.env.DB, name);
		const form = await readForm(c);
		const action = actionOf(form.get("action") ?? undefined);
		if (action === "promote") requireScope(c.var.principal.grants, { scope: "deploy", worker: name });
		const shown = field(form, "active", 64);
		const version = field(form, "version", 64);
		const message = field(form, "message", 1000);
		try {
			await deployVersions(dashboardContext(c, shown), {
				worker: name,
				versions: [{ version_id: version, percentage: 100 }],
				message: message || null,
				force: false,
			});
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			await recordDashboardRefusal(c, error);
			if (error.code === "precondition_failed" || error.status === 422 || error.status === 409) {
				const now = await getActiveDeployment(c.env.DB, name);
				const stale = error.code === "precondition_failed";
				c.status(error.status as ContentfulStatusCode);
				if (stale && (!now || !isSplit(now))) {
					throw new ApiError(
						"precondition_failed",
						`Someone deployed since you loaded this page: deployment ${now?.number ?? "?"} is now active, and there is no rollout to ${action} any more. Nothing was changed.`,
					);
				}
				return renderConfirm(c, name, action, {
					title: stale ? "Someone deployed since you loaded this page" : "Refused",
					message: stale ? "Nothing was changed. This page now shows the rollout as it is." : error.message,
				});
			}
			throw error;
		}
		return c.redirect(`${workerPath(name)}?notice=${action === "promote" ? "promoted" : "aborted"}`, 303);
	});

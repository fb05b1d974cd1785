import { Hono } from "hono";
import { guard } from "../../auth/route-policy";
import { boundResource } from "../../core/bindings";
import type { Deployment, Version } from "../../core/model";
import { authorize } from "../../core/scopes";
import { isSplit } from "../../core/traffic";
import type { AppEnv } from "../../http/app-env";
import { requireWorker } from "../../services/lookups";
import { listDeployments } from "../../storage/deployments";
import { decodeCursor } from "../../storage/pagination";
import { getVersionsByIds, listVersions } from "../../storage/versions";
import { deploymentPath, Split, Time, TriggerBadge, versionPath, workerPath } from "../components";
import { HealthChart } from "../health-chart";
import { HealthBadge, numbersFor, summarise } from "../worker-summary";

const PAGE = 10;
export const readWorker = guard({ scope: "read", on: "worker", action: "worker.read" });

function Timeline(props: {
	worker: string;
	items: Deployment[];
	numbers: Map<string, number>;
	activeId: string | null;
}) {
	return (
		<div class="table-wrap">
			<table aria-describedby="deployments-title">
				<thead>
					<tr>
						<th scope="col">#</th>
						<th scope="col">When</th>
						<th scope="col">What</th>
						<th scope="col">Serving</th>
						<th scope="col" class="hide-small">
							Who
						</th>
						<th scope="col">Message</th>
					</tr>
				</thead>
				<tbody>
					{props.items.map((d) => (
						<tr>
							<td>
								<a href={deploymentPath(props.worker, d.id)} aria-label={`Deployment ${d.number}`}>
									{d.number}
								</a>
								{d.id === props.activeId && <span class="badge ok"> active</span>}
							</td>
							<td>
								<Time at={d.created_on} />
							</td>
							<td>
								<TriggerBadge triggered_by={d.triggered_by} />
							</td>
							<td>
								<Split worker={props.worker} deployment={d} numbers={props.numbers} />
							</td>
							<td class="hide-small">{d.author.email}</td>
							<td>{d.message ?? ""}</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}

function Versions(props: { worker: string; items: Version[] }) {
	return (
		<div class="table-wrap">
			<table>
				<thead>
					<tr>
						<th scope="col">Version</th>
						<th scope="col">Created</th>
						<th scope="col" class="hide-small">
							Author
						</th>
						<th scope="col">Message</th>
						<th scope="col">Compare</th>
					</tr>
				</thead>
				<tbody>
					{props.items.map((v, i) => {
						const previous = props.items[i + 1];
						return (
							<tr>
								<td>
									<a href={versionPath(props.worker, v.id)}>v{v.number}</a> {v.tag && <code>{v.tag}</code>}
								</td>
								<td>
									<Time at={v.created_on} />
								</td>
								<td class="hide-small">{v.author.email}</td>
								<td>{v.message ?? ""}</td>
								<td>
									{previous && (
										<a
											href={`${workerPath(props.worker)}/diff?${new URLSearchParams({ from: previous.id, to: v.id })}`}
											aria-label={`Compare v${previous.number} with v${v.number}`}
										>
											v{previous.number} → v{v.number}
										</a>
									)}
								</td>
							</tr>
						);
					})}
				</tbody>
			</table>
		</div>
	);
}

function Resources(props: { versions: Version[] }) {
	const rows = props.versions.flatMap((v) =>
		v.bindings.flatMap((b) => {
			const resource = boundResource(b);
			return resource ? [{ version: v.number, binding: b.name, ...resource }] : [];
		}),
	);
	if (rows.length === 0)
		return <p class="muted">The active deployment binds no KV namespace, R2 bucket, D1 database or queue.</p>;
	return (
		<table>
			<thead>
				<tr>
					<th scope="col">Binding</th>
					<th scope="col">Type</th>
					<th scope="col">Resource</th>
					<th scope="col">In</th>
				</tr>
			</thead>
			<tbody>
				{rows.map((r) => (
					<tr>
						<td>
							<code>{r.binding}</code>
						</td>
						<td>{r.type}</td>
						<td>
							<code>{r.id}</code>
						</td>
						<td>v{r.version}</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

function Notice(props: { notice: string | undefined }) {
	if (props.notice === "rolled-back")
		return (
			<p role="status" class="panel notice">
				Rolled back. The new deployment is at the top of the timeline.
			</p>
		);
	if (props.notice === "promoted")
		return (
			<p role="status" class="panel notice">
				Promoted: the new version now serves all traffic.
			</p>
		);
	if (props.notice === "aborted")
		return (
			<p role="status" class="panel notice">
				Rollout aborted: the previous version serves all traffic again.
			</p>
		);
	return null;
}

export const workerPages = new Hono<AppEnv>().get("/workers/:name", readWorker, async (c) => {
	const name = c.req.param("name");
	const worker = await requireWorker(c.env.DB, name);
	const cursor = c.req.query("cursor");
	const [summary, timeline, versions] = await Promise.all([
		summarise(c.env, worker),
		listDeployments(c.env.DB, name, PAGE, decodeCursor(cursor)),
		listVersions(c.env.DB, name, PAGE),
	]);
	const activeVersions = await getVersionsByIds(
		c.env.DB,
		name,
		summary.active?.versions.map((v) => v.version_id) ?? [],
	);
	const numbers = await numbersFor(c.env.DB, name, timeline.items, [...versions.items, ...activeVersions]);
	const grants = c.var.principal.grants;
	const mayRollback = authorize(grants, { scope: "rollback", worker: name }).allowed;
	const mayDeploy = authorize(grants, { scope: "deploy", worker: name }).allowed;
	const active = summary.active;
	return c.render(
		<section>
			<h1>{name}</h1>
			<Notice notice={c.req.query("notice")} />
			<h2>Active deployment</h2>
			{active ? (
				<div class="panel">
					<p>
						<a href={deploymentPath(name, active.id)}>Deployment {active.number}</a>{" "}
						<TriggerBadge triggered_by={active.triggered_by} /> serving{" "}
						<Split worker={name} deployment={active} numbers={numbers} />, by {active.author.email},{" "}
						<Time at={active.created_on} />
					</p>
					{active.message && <p>“{active.message}”</p>}
					<p>
						Health: <HealthBadge health={summary.health} />
					</p>
					{isSplit(active) && (
						<p>
							A gradual rollout is in progress.{" "}
							{mayDeploy && (
								<a class="button" href={`${workerPath(name)}/rollout?action=promote`}>
									Promote…
								</a>
							)}{" "}
							{mayRollback && (
								<a class="button secondary" href={`${workerPath(name)}/rollout?action=abort`}>
									Abort…
								</a>
							)}
						</p>
					)}
					<p>
						{mayRollback && (
							<a class="button" href={`${workerPath(name)}/rollback`}>
								Roll back…
							</a>
						)}{" "}
						<a class="button secondary" href={`${workerPath(name)}/diff`}>
							Compare versions
						</a>
					</p>
				</div>
			) : (
				<p class="panel">Not deployed yet.</p>
			)}
			<h2>Health</h2>
			{summary.health ? (
				<HealthChart health={summary.health} numbers={numbers} />
			) : (
				<p class="muted">No health figures.</p>
			)}
			<h2 id="deployments-title">Deployments</h2>
			<Timeline worker={name} items={timeline.items} numbers={numbers} activeId={active?.id ?? null} />
			<nav class="pager" aria-label="Deployment pages">
				{cursor && <a href={workerPath(name)}>Newest</a>}
				{timeline.next_cursor && (
					<a href={`${workerPath(name)}?${new URLSearchParams({ cursor: timeline.next_cursor })}`}>Older deployments</a>
				)}
			</nav>
			<h2>Versions</h2>
			<Versions worker={name} items={versions.items} />
			<h2>Resources</h2>
			<Resources versions={activeVersions} />
		</section>,
		{ title: name },
	);
});

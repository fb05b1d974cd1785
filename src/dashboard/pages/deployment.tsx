import { Hono } from "hono";
import { soleVersion } from "../../core/traffic";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { requireWorker } from "../../services/lookups";
import { getDeployment } from "../../storage/deployments";
import { deploymentPath, Split, Time, TriggerBadge, workerPath } from "../components";
import { numbersFor } from "../worker-summary";
import { readWorker } from "./worker";

/** One deployment: what made it, what it serves, who and why, and what it rolled back from. */
export const deploymentPage = new Hono<AppEnv>().get("/workers/:name/deployments/:id", readWorker, async (c) => {
	const { name, id } = c.req.param();
	const deployment = await getDeployment(c.env.DB, name, id);
	if (!deployment) throw new ApiError("not_found", `Worker ${name} has no deployment ${id}.`);
	const worker = await requireWorker(c.env.DB, name);
	const numbers = await numbersFor(c.env.DB, name, [deployment]);
	const only = soleVersion(deployment);
	const activeId = worker.active_deployment_id;
	return c.render(
		<section>
			<p>
				<a href={workerPath(name)}>← {name}</a>
			</p>
			<h1>
				Deployment {deployment.number} of {name}
			</h1>
			<dl class="facts">
				<dt>Id</dt>
				<dd>
					<code>{deployment.id}</code> {deployment.id === activeId && <span class="badge ok">active</span>}
				</dd>
				<dt>What</dt>
				<dd>
					<TriggerBadge triggered_by={deployment.triggered_by} />
				</dd>
				<dt>Serving</dt>
				<dd>
					<Split worker={name} deployment={deployment} numbers={numbers} />
				</dd>
				<dt>When</dt>
				<dd>
					<Time at={deployment.created_on} />
				</dd>
				<dt>Who</dt>
				<dd>
					{deployment.author.email} (through {deployment.source})
				</dd>
				<dt>Message</dt>
				<dd>{deployment.message ?? "—"}</dd>
				{deployment.rollback_from && <dt>Rolled back from</dt>}
				{deployment.rollback_from && (
					<dd>
						<a href={deploymentPath(name, deployment.rollback_from)}>
							<code>{deployment.rollback_from}</code>
						</a>
					</dd>
				)}
			</dl>
			{only && activeId && activeId !== deployment.id && (
				<p>
					<a href={`${workerPath(name)}/diff?${new URLSearchParams({ from: deployment.id, to: activeId })}`}>
						Compare with the active deployment
					</a>
				</p>
			)}
		</section>,
		{ title: `Deployment ${deployment.number} of ${name}` },
	);
});

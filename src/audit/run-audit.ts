import type { Deps } from "../deps/deps";
import { purgeExpiredKeys } from "../storage/idempotency";
import type { LogProblem } from "./check-log";
import { checkWorkerInvariants } from "./invariants";

/** How many of each Worker's latest deployments the cron audit follows into R2. */
const AUDIT_DEPTH = 10;

/**
 * Checks every managed Worker's invariants, records the run (problems and all) in audit_runs, and
 * drops idempotency keys past their 24 hours.
 */
export async function runAudit(env: Env, deps: Deps, trigger: string) {
	const started = deps.clock.now();
	const { results } = await env.DB.prepare("SELECT name FROM workers ORDER BY name").all<{ name: string }>();
	const problems: LogProblem[] = [];
	for (const { name } of results) problems.push(...(await checkWorkerInvariants(env, name, AUDIT_DEPTH)));
	const purged = await purgeExpiredKeys(env.DB, started);
	const run = {
		id: deps.ids.uuid(),
		started_on: started.toISOString(),
		finished_on: deps.clock.now().toISOString(),
		trigger,
		workers_checked: results.length,
		problems,
		idempotency_keys_purged: purged,
	};
	await env.DB.prepare(
		"INSERT INTO audit_runs (id, started_on, finished_on, trigger, workers_checked, problems) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	)
		.bind(run.id, run.started_on, run.finished_on, run.trigger, run.workers_checked, JSON.stringify(problems))
		.run();
	if (problems.length > 0) console.warn(JSON.stringify({ at: "audit", run: run.id, problems }));
	return run;
}

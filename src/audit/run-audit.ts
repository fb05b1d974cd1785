import { checkLog } from "./check-log";

/** Runs the log checks and records the run, problems and all, in audit_runs. */
export async function runAudit(env: Env, trigger: string) {
	const started = new Date().toISOString();
	const { workers, problems } = await checkLog(env.DB);
	const run = {
		id: crypto.randomUUID(),
		started_on: started,
		finished_on: new Date().toISOString(),
		trigger,
		workers_checked: workers,
		problems,
	};
	await env.DB.prepare(
		"INSERT INTO audit_runs (id, started_on, finished_on, trigger, workers_checked, problems) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	)
		.bind(run.id, run.started_on, run.finished_on, run.trigger, run.workers_checked, JSON.stringify(problems))
		.run();
	if (problems.length > 0) console.warn(JSON.stringify({ at: "audit", run: run.id, problems }));
	return run;
}

/** A managed Worker's cron schedule (migrations/0056_cron_triggers.sql). */
export interface ScheduleRecord {
	worker: string;
	cron: string;
	created_on: string;
}

export type CronOutcome = "running" | "ok" | "exception" | "no_handler" | "not_deployed" | "unavailable";

export interface CronRunRecord {
	id: string;
	worker: string;
	cron: string;
	scheduled_time: number;
	started_on: string;
	finished_on: string | null;
	deployment_id: string | null;
	version_id: string | null;
	outcome: CronOutcome;
	error: string | null;
}

export async function getSchedules(db: D1Database, worker: string): Promise<ScheduleRecord[]> {
	const { results } = await db
		.prepare("SELECT worker, cron, created_on FROM worker_schedules WHERE worker = ?1 ORDER BY cron")
		.bind(worker)
		.all<ScheduleRecord>();
	return results;
}

/** Every schedule of every Worker, for the minute's pass (bounded by the number of Workers × MAX_SCHEDULES). */
export async function allSchedules(db: D1Database): Promise<ScheduleRecord[]> {
	const { results } = await db
		.prepare("SELECT worker, cron, created_on FROM worker_schedules ORDER BY worker, cron")
		.all<ScheduleRecord>();
	return results;
}

/** Replaces a Worker's schedules with `crons` (kept schedules keep their created_on). */
export async function replaceSchedules(db: D1Database, worker: string, crons: string[], at: string): Promise<void> {
	const placeholders = crons.map((_, i) => `?${i + 2}`).join(", ");
	await db.batch([
		db
			.prepare(
				`DELETE FROM worker_schedules WHERE worker = ?1${crons.length ? ` AND cron NOT IN (${placeholders})` : ""}`,
			)
			.bind(worker, ...crons),
		...crons.map((cron) =>
			db
				.prepare("INSERT OR IGNORE INTO worker_schedules (worker, cron, created_on) VALUES (?1, ?2, ?3)")
				.bind(worker, cron, at),
		),
	]);
}

/** Claims a run: false when this (Worker, cron, minute) already ran or is running. */
export async function claimCronRun(
	db: D1Database,
	run: Pick<CronRunRecord, "id" | "worker" | "cron" | "scheduled_time" | "started_on">,
): Promise<boolean> {
	const result = await db
		.prepare(
			"INSERT OR IGNORE INTO cron_runs (id, worker, cron, scheduled_time, started_on, outcome) VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
		)
		.bind(run.id, run.worker, run.cron, run.scheduled_time, run.started_on)
		.run();
	return result.meta.changes > 0;
}

export async function finishCronRun(
	db: D1Database,
	id: string,
	end: Pick<CronRunRecord, "finished_on" | "deployment_id" | "version_id" | "outcome" | "error">,
): Promise<void> {
	await db
		.prepare(
			"UPDATE cron_runs SET finished_on = ?2, deployment_id = ?3, version_id = ?4, outcome = ?5, error = ?6 WHERE id = ?1",
		)
		.bind(id, end.finished_on, end.deployment_id, end.version_id, end.outcome, end.error)
		.run();
}

/** A Worker's runs, newest first; `before` (a scheduled_time) pages back. */
export async function listCronRuns(
	db: D1Database,
	worker: string,
	limit: number,
	before?: number,
): Promise<CronRunRecord[]> {
	const { results } = await db
		.prepare(
			`SELECT id, worker, cron, scheduled_time, started_on, finished_on, deployment_id, version_id, outcome, error
			 FROM cron_runs WHERE worker = ?1 ${before === undefined ? "" : "AND scheduled_time < ?3"}
			 ORDER BY scheduled_time DESC, cron LIMIT ?2`,
		)
		.bind(worker, limit, ...(before === undefined ? [] : [before]))
		.all<CronRunRecord>();
	return results;
}

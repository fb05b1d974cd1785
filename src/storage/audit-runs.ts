import type { AuditRun, CheckName, Phase, RunCounts } from "../audit/model";
import { parseColumn } from "./json-column";
import { type Page, toPage } from "./pagination";

interface RunRow {
	id: string;
	number: number;
	trigger: string;
	status: string;
	started_on: string;
	finished_on: string | null;
	checks: string;
	phase: string;
	cursor: string | null;
	steps: number;
	workers_total: number;
	workers_checked: number;
	findings_opened: number;
	findings_closed: number;
	findings_open: number | null;
	counts: string;
	error: string | null;
}

function toRun(row: RunRow): AuditRun {
	const counts = parseColumn<Partial<RunCounts>>(row.counts, "audit_runs.counts");
	return {
		...row,
		status: row.status as AuditRun["status"],
		checks: parseColumn<CheckName[]>(row.checks, "audit_runs.checks"),
		phase: row.phase as Phase,
		counts: { checks: {}, subrequests: { max_per_step: 0, total: 0 }, ...counts },
	};
}

/** A new run, numbered after the last one (runs are only ever started by the AuditRunner, one at a time). */
export async function insertRun(
	db: D1Database,
	run: { id: string; trigger: string; started_on: string; checks: CheckName[]; workers_total: number },
): Promise<AuditRun> {
	const counts: RunCounts = { checks: {}, subrequests: { max_per_step: 0, total: 0 } };
	await db
		.prepare(
			`INSERT INTO audit_runs (id, number, trigger, status, started_on, checks, phase, workers_total, counts)
			 SELECT ?1, COALESCE(MAX(number), 0) + 1, ?2, 'running', ?3, ?4, 'workers', ?5, ?6 FROM audit_runs`,
		)
		.bind(run.id, run.trigger, run.started_on, JSON.stringify(run.checks), run.workers_total, JSON.stringify(counts))
		.run();
	const created = await getRun(db, run.id);
	if (!created) throw new Error(`audit run ${run.id} vanished after insert`);
	return created;
}

export async function getRun(db: D1Database, id: string): Promise<AuditRun | null> {
	const row = await db.prepare("SELECT * FROM audit_runs WHERE id = ?1").bind(id).first<RunRow>();
	return row ? toRun(row) : null;
}

/** The run in progress, if any (there is at most one). */
export async function runningRun(db: D1Database): Promise<AuditRun | null> {
	const row = await db
		.prepare("SELECT * FROM audit_runs WHERE status = 'running' ORDER BY number DESC LIMIT 1")
		.first<RunRow>();
	return row ? toRun(row) : null;
}

/** Newest first; `before` is a run number from a cursor. */
export async function listRuns(db: D1Database, limit: number, before?: number): Promise<Page<AuditRun>> {
	const { results } = await db
		.prepare("SELECT * FROM audit_runs WHERE number < ?1 ORDER BY number DESC LIMIT ?2")
		.bind(before ?? Number.MAX_SAFE_INTEGER, limit + 1)
		.all<RunRow>();
	return toPage(results.map(toRun), limit);
}

/**
 * First statement of a step's batch: aborts the whole batch unless the run is still running and has committed
 * exactly `steps` steps, so a step that runs twice (an alarm delivered again) lands once.
 */
export function guardStep(db: D1Database, run: Pick<AuditRun, "id" | "steps">): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO write_guard (ok)
			 SELECT CASE WHEN EXISTS (SELECT 1 FROM audit_runs WHERE id = ?1 AND steps = ?2 AND status = 'running')
			        THEN 1 END`,
		)
		.bind(run.id, run.steps);
}

/** The run's progress after a step (the step's own batch also holds its findings and cursors). */
export function saveProgress(db: D1Database, run: AuditRun): D1PreparedStatement {
	return db
		.prepare(
			`UPDATE audit_runs SET status = ?2, finished_on = ?3, phase = ?4, cursor = ?5, steps = steps + 1,
			   workers_total = ?6, workers_checked = ?7, findings_opened = ?8, findings_closed = ?9, findings_open = ?10,
			   counts = ?11, error = ?12
			 WHERE id = ?1`,
		)
		.bind(
			run.id,
			run.status,
			run.finished_on,
			run.phase,
			run.cursor,
			run.workers_total,
			run.workers_checked,
			run.findings_opened,
			run.findings_closed,
			run.findings_open,
			JSON.stringify(run.counts),
			run.error,
		);
}

/** A failed attempt at a step: the run stays where it is (and the error is shown) until the retry commits. */
export async function recordStepFailure(
	db: D1Database,
	run: Pick<AuditRun, "id" | "steps">,
	error: string,
	failures: number,
	give_up: { at: string } | null,
): Promise<void> {
	await db
		.prepare(
			`UPDATE audit_runs SET error = ?3, counts = json_set(counts, '$.failures', ?4),
			   status = CASE WHEN ?5 IS NULL THEN status ELSE 'failed' END, finished_on = COALESCE(?5, finished_on)
			 WHERE id = ?1 AND steps = ?2 AND status = 'running'`,
		)
		.bind(run.id, run.steps, error.slice(0, 1000), failures, give_up?.at ?? null)
		.run();
}

/** Finished runs older than `before` go; their findings stay (a finding names the runs it was seen in). */
export function purgeRuns(db: D1Database, before: string): D1PreparedStatement {
	return db.prepare("DELETE FROM audit_runs WHERE status <> 'running' AND started_on < ?1").bind(before);
}

import type { CheckName, Finding, FindingTransition, Scope, Severity } from "../audit/model";
import type { Reconciled } from "../audit/reconcile";
import { parseColumn } from "./json-column";
import { type Page, toPage } from "./pagination";

interface FindingRow {
	seq: number;
	id: string;
	check_name: string;
	worker: string;
	subject: string;
	severity: string;
	message: string;
	details: string;
	opened_on: string;
	opened_run: string;
	last_seen_on: string;
	last_seen_run: string;
	closed_on: string | null;
	closed_run: string | null;
	open_notified_on: string | null;
	close_notified_on: string | null;
}

function toFinding(row: FindingRow): Finding {
	return {
		id: row.id,
		check: row.check_name as CheckName,
		worker: row.worker,
		subject: row.subject,
		severity: row.severity as Severity,
		message: row.message,
		details: parseColumn(row.details, "audit_findings.details"),
		opened_on: row.opened_on,
		opened_run: row.opened_run,
		last_seen_on: row.last_seen_on,
		last_seen_run: row.last_seen_run,
		closed_on: row.closed_on,
		closed_run: row.closed_run,
	};
}

/** The open findings inside these scopes (scopes by Worker and scopes by subject, as JSON pairs). */
export async function openFindingsIn(db: D1Database, scopes: Scope[]): Promise<Finding[]> {
	if (scopes.length === 0) return [];
	const byWorker = scopes.flatMap((s) => ("worker" in s ? [[s.check, s.worker]] : []));
	const bySubject = scopes.flatMap((s) => ("subject" in s ? [[s.check, s.subject]] : []));
	const { results } = await db
		.prepare(
			`SELECT * FROM audit_findings WHERE closed_on IS NULL AND (
			   (check_name, worker) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))
			   OR (check_name, subject) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2)))`,
		)
		.bind(JSON.stringify(byWorker), JSON.stringify(bySubject))
		.all<FindingRow>();
	return results.map(toFinding);
}

/** The statements that apply a step's reconciliation; they go into the step's one guarded batch. */
export function findingWrites(
	db: D1Database,
	changes: Reconciled,
	run: { id: string; at: string; newId: () => string },
): D1PreparedStatement[] {
	const statements: D1PreparedStatement[] = [];
	if (changes.opened.length > 0) {
		const rows = changes.opened.map((o) => ({ ...o, id: run.newId(), details: o.details ?? {} }));
		statements.push(
			db
				.prepare(
					`INSERT INTO audit_findings (id, check_name, worker, subject, severity, message, details, opened_on, opened_run,
					   last_seen_on, last_seen_run)
					 SELECT json_extract(value, '$.id'), json_extract(value, '$.check'), json_extract(value, '$.worker'),
					   json_extract(value, '$.subject'), json_extract(value, '$.severity'), json_extract(value, '$.message'),
					   json_extract(value, '$.details'), ?1, ?2, ?1, ?2
					 FROM json_each(?3)`,
				)
				.bind(run.at, run.id, JSON.stringify(rows)),
		);
	}
	if (changes.persisting.length > 0) {
		const rows = changes.persisting.map(({ finding, seen }) => ({
			id: finding.id,
			severity: seen.severity,
			message: seen.message,
			details: seen.details ?? {},
		}));
		statements.push(
			db
				.prepare(
					`UPDATE audit_findings SET last_seen_on = ?1, last_seen_run = ?2, severity = json_extract(j.value, '$.severity'),
					   message = json_extract(j.value, '$.message'), details = json_extract(j.value, '$.details')
					 FROM json_each(?3) AS j WHERE audit_findings.id = json_extract(j.value, '$.id')`,
				)
				.bind(run.at, run.id, JSON.stringify(rows)),
		);
	}
	if (changes.closed.length > 0) {
		statements.push(
			db
				.prepare(
					`UPDATE audit_findings SET closed_on = ?1, closed_run = ?2
					 WHERE closed_on IS NULL AND id IN (SELECT value FROM json_each(?3))`,
				)
				.bind(run.at, run.id, JSON.stringify(changes.closed.map((f) => f.id))),
		);
	}
	return statements;
}

/** Closes open findings about Workers that no longer exist (nothing can examine them again). */
export function closeFindingsOfMissingWorkers(db: D1Database, run: { id: string; at: string }): D1PreparedStatement {
	return db
		.prepare(
			`UPDATE audit_findings SET closed_on = ?1, closed_run = ?2
			 WHERE closed_on IS NULL AND worker <> '' AND worker NOT IN (SELECT name FROM workers)`,
		)
		.bind(run.at, run.id);
}

export interface FindingFilter {
	status: "open" | "closed" | "all";
	worker?: string;
	check?: CheckName;
	severity?: Severity;
}

/** Newest first; `before` is a finding's seq from a cursor. */
export async function listFindings(
	db: D1Database,
	filter: FindingFilter,
	limit: number,
	before?: number,
): Promise<Page<Finding>> {
	const { results } = await db
		.prepare(
			`SELECT * FROM audit_findings
			 WHERE seq < ?1 AND (?2 = 'all' OR (?2 = 'open') = (closed_on IS NULL))
			   AND (?3 IS NULL OR worker = ?3) AND (?4 IS NULL OR check_name = ?4) AND (?5 IS NULL OR severity = ?5)
			 ORDER BY seq DESC LIMIT ?6`,
		)
		.bind(
			before ?? Number.MAX_SAFE_INTEGER,
			filter.status,
			filter.worker ?? null,
			filter.check ?? null,
			filter.severity ?? null,
			limit + 1,
		)
		.all<FindingRow>();
	const page = toPage(
		results.map((row) => ({ number: row.seq, finding: toFinding(row) })),
		limit,
	);
	return { items: page.items.map((i) => i.finding), next_cursor: page.next_cursor };
}

/** The findings a run opened or closed (up to `limit` of each), with how many there are in all. */
export async function findingsOfRun(
	db: D1Database,
	runId: string,
	limit: number,
): Promise<{ opened: Finding[]; closed: Finding[] }> {
	const [opened, closed] = await db.batch<FindingRow>([
		db.prepare("SELECT * FROM audit_findings WHERE opened_run = ?1 ORDER BY seq LIMIT ?2").bind(runId, limit),
		db.prepare("SELECT * FROM audit_findings WHERE closed_run = ?1 ORDER BY seq LIMIT ?2").bind(runId, limit),
	]);
	return { opened: (opened?.results ?? []).map(toFinding), closed: (closed?.results ?? []).map(toFinding) };
}

export async function countOpenFindings(db: D1Database): Promise<number> {
	const row = await db
		.prepare("SELECT count(*) AS n FROM audit_findings WHERE closed_on IS NULL")
		.first<{ n: number }>();
	return row?.n ?? 0;
}

/** Transitions committed but not yet handed to the notifier, oldest first. */
export async function pendingTransitions(db: D1Database, limit: number): Promise<FindingTransition[]> {
	const { results } = await db
		.prepare(
			`SELECT * FROM audit_findings
			 WHERE open_notified_on IS NULL OR (closed_on IS NOT NULL AND close_notified_on IS NULL)
			 ORDER BY seq LIMIT ?1`,
		)
		.bind(limit)
		.all<FindingRow>();
	return results.flatMap((row): FindingTransition[] => {
		const finding = toFinding(row);
		const out: FindingTransition[] = [];
		if (row.open_notified_on === null) {
			out.push({ event: "finding.opened", at: row.opened_on, run_id: row.opened_run, finding });
		}
		if (row.closed_on !== null && row.closed_run !== null && row.close_notified_on === null) {
			out.push({ event: "finding.closed", at: row.closed_on, run_id: row.closed_run, finding });
		}
		return out;
	});
}

export async function markNotified(db: D1Database, transitions: FindingTransition[], at: string): Promise<void> {
	const ids = (event: FindingTransition["event"]) =>
		JSON.stringify(transitions.filter((t) => t.event === event).map((t) => t.finding.id));
	await db.batch([
		db
			.prepare("UPDATE audit_findings SET open_notified_on = ?1 WHERE id IN (SELECT value FROM json_each(?2))")
			.bind(at, ids("finding.opened")),
		db
			.prepare("UPDATE audit_findings SET close_notified_on = ?1 WHERE id IN (SELECT value FROM json_each(?2))")
			.bind(at, ids("finding.closed")),
	]);
}

/** Closed findings older than `before` go (open ones stay however old). */
export function purgeClosedFindings(db: D1Database, before: string): D1PreparedStatement {
	return db
		.prepare(
			"DELETE FROM audit_findings WHERE closed_on IS NOT NULL AND closed_on < ?1 AND close_notified_on IS NOT NULL",
		)
		.bind(before);
}

import type { WorkerRecord } from "../core/model";

export interface WorkerRow {
	name: string;
	created_on: string;
	updated_on: string;
	active_deployment_id: string | null;
	version_count: number;
	deployment_count: number;
}

export const toWorker = (row: WorkerRow): WorkerRecord => ({ ...row });

export async function getWorker(db: D1Database, name: string): Promise<WorkerRecord | null> {
	const row = await db.prepare("SELECT * FROM workers WHERE name = ?1").bind(name).first<WorkerRow>();
	return row ? toWorker(row) : null;
}

export async function listWorkers(db: D1Database, limit: number, after?: string): Promise<WorkerRecord[]> {
	const { results } = await db
		.prepare("SELECT * FROM workers WHERE name > ?1 ORDER BY name LIMIT ?2")
		.bind(after ?? "", limit)
		.all<WorkerRow>();
	return results.map(toWorker);
}

/** Moves the pointer and the counters; runs inside a batch opened by `guardCounters`. */
export function advanceWorker(
	db: D1Database,
	args: {
		name: string;
		now: string;
		next: {
			version_count: number;
			deployment_count: number;
			active_deployment_id: string | null;
		};
	},
): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO workers (name, created_on, updated_on, active_deployment_id, version_count, deployment_count)
			 VALUES (?1, ?2, ?2, ?3, ?4, ?5)
			 ON CONFLICT (name) DO UPDATE SET
			   updated_on = excluded.updated_on,
			   active_deployment_id = excluded.active_deployment_id,
			   version_count = excluded.version_count,
			   deployment_count = excluded.deployment_count`,
		)
		.bind(args.name, args.now, args.next.active_deployment_id, args.next.version_count, args.next.deployment_count);
}

/** First statement of every write batch: aborts the batch unless the counters are still `expected`. */
export function guardCounters(
	db: D1Database,
	name: string,
	expected: { version_count: number; deployment_count: number },
): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO write_guard (ok)
			 SELECT CASE WHEN COALESCE((SELECT version_count FROM workers WHERE name = ?1), 0) = ?2
			              AND COALESCE((SELECT deployment_count FROM workers WHERE name = ?1), 0) = ?3
			        THEN 1 END`,
		)
		.bind(name, expected.version_count, expected.deployment_count);
}

/** Last statement of every write batch. */
export function releaseGuard(db: D1Database): D1PreparedStatement {
	return db.prepare("DELETE FROM write_guard");
}

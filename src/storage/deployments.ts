import type { Deployment, Source, TriggeredBy } from "../core/model";
import { parseColumn } from "./json-column";
import { type Page, toPage } from "./pagination";

export interface DeploymentRow {
	id: string;
	worker: string;
	number: number;
	created_on: string;
	author_id: string;
	author_email: string;
	source: string;
	message: string | null;
	triggered_by: string;
	rollback_from: string | null;
	strategy: string;
	versions: string;
}

export function toDeployment(row: DeploymentRow): Deployment {
	return {
		id: row.id,
		worker: row.worker,
		number: row.number,
		created_on: row.created_on,
		author: { id: row.author_id, email: row.author_email },
		source: row.source as Source,
		message: row.message,
		triggered_by: row.triggered_by as TriggeredBy,
		rollback_from: row.rollback_from,
		strategy: "percentage",
		versions: parseColumn(row.versions, "deployments.versions"),
	};
}

export function insertDeployment(db: D1Database, d: Deployment): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO deployments (id, worker, number, created_on, author_id, author_email, source, message,
			   triggered_by, rollback_from, strategy, versions)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
		)
		.bind(
			d.id,
			d.worker,
			d.number,
			d.created_on,
			d.author.id,
			d.author.email,
			d.source,
			d.message,
			d.triggered_by,
			d.rollback_from,
			d.strategy,
			JSON.stringify(d.versions),
		);
}

export async function getDeployment(db: D1Database, worker: string, id: string): Promise<Deployment | null> {
	const row = await db
		.prepare("SELECT * FROM deployments WHERE worker = ?1 AND id = ?2")
		.bind(worker, id)
		.first<DeploymentRow>();
	return row ? toDeployment(row) : null;
}

/** The active deployment is the one the Worker's pointer names (always the latest by number). */
export async function getActiveDeployment(db: D1Database, worker: string): Promise<Deployment | null> {
	const row = await db
		.prepare(`SELECT d.* FROM workers w JOIN deployments d ON d.id = w.active_deployment_id WHERE w.name = ?1`)
		.bind(worker)
		.first<DeploymentRow>();
	return row ? toDeployment(row) : null;
}

/** Exported so that a test can check its query plan (the (worker, number) index, no scan). */
export const LIST_DEPLOYMENTS_SQL =
	"SELECT * FROM deployments WHERE worker = ?1 AND number < ?2 ORDER BY number DESC LIMIT ?3";

/** Newest first; `before` is a deployment number from a cursor. */
export async function listDeployments(
	db: D1Database,
	worker: string,
	limit: number,
	before?: number,
): Promise<Page<Deployment>> {
	const { results } = await db
		.prepare(LIST_DEPLOYMENTS_SQL)
		.bind(worker, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
		.all<DeploymentRow>();
	return toPage(results.map(toDeployment), limit);
}

/**
 * The default rollback target: the most recent deployment before `beforeNumber` that ran one version at
 * 100 %, other than `excludeVersionId` (the version serving now, which a rollback would not change).
 */
export async function getPreviousFullDeployment(
	db: D1Database,
	worker: string,
	beforeNumber: number,
	excludeVersionId: string | null,
): Promise<Deployment | null> {
	const row = await db
		.prepare(
			`SELECT * FROM deployments
			 WHERE worker = ?1 AND number < ?2 AND json_array_length(versions) = 1
			   AND json_extract(versions, '$[0].percentage') = 100
			   AND json_extract(versions, '$[0].version_id') IS NOT ?3
			 ORDER BY number DESC LIMIT 1`,
		)
		.bind(worker, beforeNumber, excludeVersionId)
		.first<DeploymentRow>();
	return row ? toDeployment(row) : null;
}

import type { ClassChange, LiveClass } from "../core/do-classes";

/** A Durable Object class storage as D1 records it (migrations/0055_durable_object_classes.sql). */
export interface ClassRecord {
	storage_id: string;
	worker: string;
	class_name: string;
	deleted_on: string | null;
	destroyed_on: string | null;
}

export async function getLiveClasses(db: D1Database, worker: string): Promise<LiveClass[]> {
	const { results } = await db
		.prepare(
			"SELECT class_name, storage_id FROM durable_object_classes WHERE worker = ?1 AND deleted_on IS NULL ORDER BY class_name",
		)
		.bind(worker)
		.all<LiveClass>();
	return results;
}

/** A class row and the Worker's active deployment id, read together (one statement: one snapshot). */
export interface ClassAtDeployment {
	record: ClassRecord;
	active_deployment_id: string | null;
}

/**
 * The class row with the deployment that was active when it was read. A row changes only in a deploy's batch,
 * which also moves the pointer, so the pair stays true for as long as that deployment is active.
 */
export async function getClassAtDeployment(db: D1Database, storageId: string): Promise<ClassAtDeployment | null> {
	const row = await db
		.prepare(
			`SELECT c.storage_id, c.worker, c.class_name, c.deleted_on, c.destroyed_on, w.active_deployment_id
			 FROM durable_object_classes c JOIN workers w ON w.name = c.worker WHERE c.storage_id = ?1`,
		)
		.bind(storageId)
		.first<ClassRecord & { active_deployment_id: string | null }>();
	if (!row) return null;
	const { active_deployment_id, ...record } = row;
	return { record, active_deployment_id };
}

/** Every class a Worker's log created, with the deployments that created and deleted it (migrations/0055). */
export interface ClassHistory extends ClassRecord {
	created_version: string;
	created_on: string;
	created_deployment: string | null;
	deleted_version: string | null;
	deleted_deployment: string | null;
}

/**
 * A Worker's classes, oldest first. Migrations ride only on deploys, so the deployment that created (deleted) a
 * class is the first one that serves the version recorded for it.
 */
export async function listClassHistory(db: D1Database, worker: string): Promise<ClassHistory[]> {
	const firstDeploymentOf = (column: string) =>
		`(SELECT d.id FROM deployments d WHERE d.worker = c.worker AND EXISTS (SELECT 1 FROM json_each(d.versions) v WHERE json_extract(v.value, '$.version_id') = c.${column}) ORDER BY d.number LIMIT 1)`;
	const { results } = await db
		.prepare(
			`SELECT c.storage_id, c.worker, c.class_name, c.created_version, c.created_on, c.deleted_version, c.deleted_on,
			   c.destroyed_on, ${firstDeploymentOf("created_version")} AS created_deployment,
			   CASE WHEN c.deleted_version IS NULL THEN NULL ELSE ${firstDeploymentOf("deleted_version")} END AS deleted_deployment
			 FROM durable_object_classes c WHERE c.worker = ?1 ORDER BY c.created_on, c.storage_id`,
		)
		.bind(worker)
		.all<ClassHistory>();
	return results;
}

/** The statements that commit a deploy's class changes, in its batch. */
export function classChangeStatements(
	db: D1Database,
	worker: string,
	versionId: string,
	at: string,
	changes: ClassChange[],
): D1PreparedStatement[] {
	return changes.map((change) => {
		switch (change.kind) {
			case "create":
				return db
					.prepare(
						"INSERT INTO durable_object_classes (storage_id, worker, class_name, created_version, created_on) VALUES (?1, ?2, ?3, ?4, ?5)",
					)
					.bind(change.storage_id, worker, change.class_name, versionId, at);
			case "rename":
				return db
					.prepare("UPDATE durable_object_classes SET class_name = ?2 WHERE storage_id = ?1")
					.bind(change.storage_id, change.to);
			default:
				return db
					.prepare(
						"UPDATE durable_object_classes SET deleted_version = ?2, deleted_on = ?3 WHERE storage_id = ?1 AND deleted_on IS NULL",
					)
					.bind(change.storage_id, versionId, at);
		}
	});
}

/** Deleted classes whose data is not yet known to be destroyed, oldest first. */
export async function undestroyedClasses(db: D1Database, limit: number): Promise<ClassRecord[]> {
	const { results } = await db
		.prepare(
			"SELECT storage_id, worker, class_name, deleted_on, destroyed_on FROM durable_object_classes WHERE deleted_on IS NOT NULL AND destroyed_on IS NULL ORDER BY deleted_on LIMIT ?1",
		)
		.bind(limit)
		.all<ClassRecord>();
	return results;
}

export async function markDestroyed(db: D1Database, storageId: string, at: string): Promise<void> {
	await db
		.prepare("UPDATE durable_object_classes SET destroyed_on = ?2 WHERE storage_id = ?1")
		.bind(storageId, at)
		.run();
}

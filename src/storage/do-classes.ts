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

export function getClassRecord(db: D1Database, storageId: string): Promise<ClassRecord | null> {
	return db
		.prepare(
			"SELECT storage_id, worker, class_name, deleted_on, destroyed_on FROM durable_object_classes WHERE storage_id = ?1",
		)
		.bind(storageId)
		.first<ClassRecord>();
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

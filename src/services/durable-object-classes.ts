import { supervisorFor } from "../runtime/do/do-rules";
import { type ClassHistory, listClassHistory } from "../storage/do-classes";

/** A Durable Object class of a managed Worker as `/v1` shows it. */
export interface WorkerClass {
	class_name: string;
	storage_id: string;
	state: "active" | "deleted";
	/** The name the class was created with (`class_name` differs once a migration renamed it). */
	created_as: string | null;
	created_on: string;
	created_version_id: string;
	created_deployment_id: string | null;
	deleted_on: string | null;
	deleted_version_id: string | null;
	deleted_deployment_id: string | null;
	destroyed_on: string | null;
	/** Objects and their databases' bytes as last measured (the supervisor's storageUsage()); null once deleted. */
	usage: { objects: number; bytes: number } | null;
}

/**
 * Every class the Worker's log created, oldest first, with what its live ones store. Each live class costs one
 * call to its supervisor (which answers from its own storage, without waking any object).
 */
export async function workerClasses(env: Env, worker: string): Promise<WorkerClass[]> {
	const rows = await listClassHistory(env.DB, worker);
	return Promise.all(
		rows.map(async (row) => {
			const usage = row.deleted_on === null ? await supervisorFor(env, row.storage_id).storageUsage() : null;
			return present(row, usage);
		}),
	);
}

function present(row: ClassHistory, usage: WorkerClass["usage"]): WorkerClass {
	// A class's storage id is `<version id>:<name>` as it was created (planClassChanges).
	const prefix = `${row.created_version}:`;
	return {
		class_name: row.class_name,
		storage_id: row.storage_id,
		state: row.deleted_on === null ? "active" : "deleted",
		created_as: row.storage_id.startsWith(prefix) ? row.storage_id.slice(prefix.length) : null,
		created_on: row.created_on,
		created_version_id: row.created_version,
		created_deployment_id: row.created_deployment,
		deleted_on: row.deleted_on,
		deleted_version_id: row.deleted_version,
		deleted_deployment_id: row.deleted_deployment,
		destroyed_on: row.destroyed_on,
		usage: usage ? { objects: usage.objects, bytes: usage.bytes } : null,
	};
}

import type { Version, WorkerRecord } from "../core/model";
import { ApiError } from "../errors/api-error";
import { getVersion } from "../storage/versions";
import { getWorker } from "../storage/workers";

/** The Worker, or a not_found that adapters can word (wrangler reads it as "not deployed yet"). */
export async function requireWorker(db: D1Database, name: string): Promise<WorkerRecord> {
	const worker = await getWorker(db, name);
	if (!worker) throw ApiError.because("not_found", "worker_not_found", `No managed Worker is called ${name}.`);
	return worker;
}

export async function requireVersion(db: D1Database, worker: string, id: string): Promise<Version> {
	const version = await getVersion(db, worker, id);
	if (!version) throw ApiError.because("not_found", "version_not_found", `Worker ${worker} has no version ${id}.`);
	return version;
}

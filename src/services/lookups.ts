import type { Version, WorkerRecord } from "../core/model";
import { ApiError } from "../errors/api-error";
import { getPrunedVersion } from "../storage/pruned-versions";
import { getVersion } from "../storage/versions";
import { getWorker } from "../storage/workers";

/** The Worker, or a not_found that adapters can word (wrangler reads it as "not deployed yet"). */
export async function requireWorker(db: D1Database, name: string): Promise<WorkerRecord> {
	const worker = await getWorker(db, name);
	if (!worker) throw ApiError.because("not_found", "worker_not_found", `No managed Worker is called ${name}.`);
	return worker;
}

/** The version, or a not_found that says whether it never existed or was pruned by retention. */
export async function requireVersion(db: D1Database, worker: string, id: string): Promise<Version> {
	const version = await getVersion(db, worker, id);
	if (version) return version;
	const pruned = await getPrunedVersion(db, worker, id);
	if (pruned) {
		throw ApiError.because(
			"not_found",
			"version_pruned",
			`Version ${pruned.number} (${id}) of Worker ${worker} was pruned by retention on ${pruned.pruned_on}; the deployments that used it remain in the log.`,
			{ version_id: id, number: pruned.number, created_on: pruned.created_on, pruned_on: pruned.pruned_on },
		);
	}
	throw ApiError.because("not_found", "version_not_found", `Worker ${worker} has no version ${id}.`);
}

import type { Version, WorkerRecord } from "../core/model";
import { ApiError } from "../errors/api-error";
import { getPrunedVersion } from "../storage/pruned-versions";
import { getVersion } from "../storage/versions";
import { getWorker } from "../storage/workers";

const FOUND_LIMIT = 10_000;
/**
 * Names of Workers this isolate has found in D1. Only found names are kept, and a Worker is never deleted (its
 * log is immutable), so a name once found stays right; if Workers could ever be deleted, the delete would have
 * to remove its name here.
 */
const found = new Set<string>();

/** The Worker, or a not_found that adapters can word (wrangler reads it as "not deployed yet"). */
export async function requireWorker(db: D1Database, name: string): Promise<WorkerRecord> {
	const worker = await getWorker(db, name);
	if (!worker) throw ApiError.because("not_found", "worker_not_found", `No managed Worker is called ${name}.`);
	if (found.size >= FOUND_LIMIT) found.clear();
	found.add(name);
	return worker;
}

/**
 * requireWorker for callers that only need to know the Worker exists (changes, which the coordinator then judges
 * on its own state): a name this isolate has found before costs no D1 read.
 */
export async function requireExistingWorker(db: D1Database, name: string): Promise<void> {
	if (!found.has(name)) await requireWorker(db, name);
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

import type { Deployment, Version } from "../core/model";
import { unwrap } from "../errors/api-error";
import { coordinatorFor } from "../services/coordinator";
import { getVersion } from "../storage/versions";
import { getWorker } from "../storage/workers";
import { takePending } from "./traffic-reporter";

const KNOWN_LIMIT = 10_000;
/** Names this isolate has seen deployed. Workers are never undeployed, so a name once known stays known. */
const known = new Set<string>();

/**
 * The active deployment, asked of the Worker's coordinator on every request: the coordinator holds the
 * pointer, so a request that starts after a deploy or rollback returned is served by the new deployment.
 * Nothing here caches the pointer (see docs/edge.md for the cost and the multi-location picture).
 *
 * Anyone can ask for any name, so a name this isolate has not seen deployed is looked up in D1 first:
 * a made-up name costs one indexed read and never creates a coordinator (which would hold storage).
 */
export async function activeDeployment(env: Env, worker: string): Promise<Deployment | null> {
	if (!known.has(worker)) {
		const record = await getWorker(env.DB, worker);
		if (!record?.active_deployment_id) return null;
		if (known.size >= KNOWN_LIMIT) known.clear();
		known.add(worker);
	}
	// Health counts from earlier requests travel with the lookup: one call per request, not two.
	return unwrap(await coordinatorFor(env, worker).activeDeployment(worker, takePending(worker)));
}

const VERSION_CACHE_SIZE = 256;
const versions = new Map<string, Promise<Version | null>>();

/** Versions are immutable, so this isolate keeps them by id (a failed read is not kept). */
export function versionById(db: D1Database, worker: string, id: string): Promise<Version | null> {
	const key = `${worker}/${id}`;
	const cached = versions.get(key);
	if (cached) return cached;
	const read = getVersion(db, worker, id);
	versions.set(key, read);
	read.then(
		(v) => v ?? versions.delete(key),
		() => versions.delete(key),
	);
	if (versions.size > VERSION_CACHE_SIZE) versions.delete(versions.keys().next().value as string);
	return read;
}

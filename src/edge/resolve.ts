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
 * Active deployments an isolate asked for, kept when SHIPLOG_EDGE_FRESHNESS allows reusing them. One per isolate
 * (`thisIsolate`); tests make more to stand for other isolates, which hear of no change made elsewhere.
 */
export class ActiveDeployments {
	private readonly held = new Map<string, { deployment: Deployment; asked: number }>();
	/** Bumped by every change this isolate hears of: a lookup that straddles one is not kept. */
	private generation = 0;

	/**
	 * The active deployment. With `freshnessMs` null ("strict", the default) it is asked of the Worker's
	 * coordinator on every request: the coordinator holds the pointer, so a request that starts after a deploy
	 * or rollback returned is served by the new deployment. With a number of milliseconds, an answer is reused
	 * for that long, counted from when it was asked (so a change is served at most that long after it returned),
	 * and forgotten at once when a change is made through this isolate (`forget`). See docs/edge.md.
	 */
	async resolve(env: Env, worker: string, now: number, freshnessMs: number | null): Promise<Deployment | null> {
		if (freshnessMs !== null) {
			const kept = this.held.get(worker);
			if (kept && now >= kept.asked && now - kept.asked < freshnessMs) return kept.deployment;
		}
		const started = this.generation;
		const deployment = await askCoordinator(env, worker);
		if (freshnessMs !== null && deployment && this.generation === started) {
			if (this.held.size >= KNOWN_LIMIT) this.held.clear();
			this.held.set(worker, { deployment, asked: now });
		}
		return deployment;
	}

	/** A change to `worker` went through this isolate: ask again next time, and keep no lookup already on its way. */
	forget(worker: string): void {
		this.generation += 1;
		this.held.delete(worker);
	}
}

const thisIsolate = new ActiveDeployments();

/** The active deployment as this isolate's edge serves it (see ActiveDeployments.resolve). */
export function activeDeployment(
	env: Env,
	worker: string,
	now: number,
	freshnessMs: number | null,
): Promise<Deployment | null> {
	return thisIsolate.resolve(env, worker, now, freshnessMs);
}

/**
 * The active deployment as the coordinator has it now, never one an isolate kept: for work that runs a Worker's code
 * outside a request to the edge (cron triggers, queue deliveries, Durable Object facets).
 */
export function currentDeployment(env: Env, worker: string): Promise<Deployment | null> {
	return activeDeployment(env, worker, Date.now(), null);
}

/** A change to `worker` was made (or attempted) through this isolate. */
export function forgetActive(worker: string): void {
	thisIsolate.forget(worker);
}

/**
 * Anyone can ask for any name, so a name this isolate has not seen deployed is looked up in D1 first:
 * a made-up name costs one indexed read and never creates a coordinator (which would hold storage).
 */
async function askCoordinator(env: Env, worker: string): Promise<Deployment | null> {
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

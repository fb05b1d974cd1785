import { type StorageType, storeName } from "./resource-ids";

export interface ResourceUsage {
	/** What the resource's storage limit measures (see storage-limits.ts). */
	bytes: number;
	/** Keys of a namespace, objects of a bucket; null for a database. */
	items: number | null;
}

/**
 * What a resource holds, from its store's running totals (no listing). For limits, audits and the resource
 * API; reads nothing a Worker stored.
 */
export async function resourceUsage(env: Env, type: StorageType, id: string): Promise<ResourceUsage> {
	switch (type) {
		case "kv_namespace": {
			const usage = await env.KV_NAMESPACES.getByName(storeName(type, id)).usage();
			return { bytes: usage.bytes, items: usage.keys };
		}
		case "r2_bucket": {
			const usage = await env.R2_BUCKETS.getByName(storeName(type, id)).usage();
			return { bytes: usage.bytes, items: usage.objects };
		}
		case "d1": {
			const usage = await env.D1_DATABASES.getByName(storeName(type, id)).usage();
			return { bytes: usage.bytes, items: null };
		}
		case "queue": {
			const usage = await env.QUEUES.getByName(storeName(type, id)).usage();
			return { bytes: usage.bytes, items: usage.messages };
		}
	}
}

/**
 * Deletes everything a resource holds, for when the resource is deleted. `done: false` means an R2 bucket too
 * large for one call: its store goes on in alarms and refuses writes until it is empty. With `tombstone` the
 * store also keeps a tombstone, written in the step that empties it: every call a Worker still bound to it
 * makes is refused, as for a resource that does not exist, until `reviveResource`. The registry (which ids
 * exist) is not touched here.
 */
export async function destroyResource(
	env: Env,
	type: StorageType,
	id: string,
	options: { tombstone?: boolean } = {},
): Promise<{ done: boolean }> {
	const tombstone = options.tombstone === true;
	switch (type) {
		case "kv_namespace":
			await env.KV_NAMESPACES.getByName(storeName(type, id)).destroy(tombstone);
			return { done: true };
		case "r2_bucket":
			return env.R2_BUCKETS.getByName(storeName(type, id)).destroy(id, tombstone);
		case "d1":
			await env.D1_DATABASES.getByName(storeName(type, id)).destroy(tombstone);
			return { done: true };
		case "queue":
			await env.QUEUES.getByName(storeName(type, id)).destroy(tombstone);
			return { done: true };
	}
}

/** A deleted resource is registered again: its store lifts the tombstone and answers calls again, empty. */
export async function reviveResource(env: Env, type: StorageType, id: string): Promise<void> {
	switch (type) {
		case "kv_namespace":
			return env.KV_NAMESPACES.getByName(storeName(type, id)).revive();
		case "r2_bucket":
			return env.R2_BUCKETS.getByName(storeName(type, id)).revive();
		case "d1":
			return env.D1_DATABASES.getByName(storeName(type, id)).revive();
		case "queue":
			return env.QUEUES.getByName(storeName(type, id)).revive();
	}
}

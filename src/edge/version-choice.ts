import type { Deployment } from "../core/model";
import { parseDictionary } from "./structured-fields";

export const VERSION_KEY_HEADER = "cloudflare-workers-version-key";
export const VERSION_OVERRIDES_HEADER = "cloudflare-workers-version-overrides";

export type ChoiceReason = "single" | "override" | "key" | "random";

export interface VersionChoice {
	version_id: string;
	reason: ChoiceReason;
}

/**
 * Picks which version of `deployment` serves a request. `newest` is the id of the deployment's most
 * recently uploaded version: it owns the low band [0, its share) of the key space, so growing its
 * share only ever moves keys onto it, never back (Cloudflare's version-affinity promise).
 */
export function chooseVersion(
	worker: string,
	deployment: Deployment,
	newest: string,
	headers: Headers,
	random: () => number = Math.random,
): VersionChoice {
	const [first, second] = deployment.versions;
	if (!first) throw new Error(`deployment ${deployment.id} names no version`);
	const override = overriddenVersion(worker, headers.get(VERSION_OVERRIDES_HEADER));
	if (override && deployment.versions.some((v) => v.version_id === override)) {
		return { version_id: override, reason: "override" };
	}
	if (!second) return { version_id: first.version_id, reason: "single" };
	const fresh = first.version_id === newest ? first : second;
	const other = fresh === first ? second : first;
	const key = headers.get(VERSION_KEY_HEADER);
	const point = key !== null && key !== "" ? keyPoint(worker, key) : random() * 100;
	return { version_id: point < fresh.percentage ? fresh.version_id : other.version_id, reason: key ? "key" : "random" };
}

/** The version named for `worker` in an overrides header (`name="<version id>"`), if the field parses. */
export function overriddenVersion(worker: string, field: string | null): string | null {
	if (!field) return null;
	const value = parseDictionary(field)?.get(worker);
	if (typeof value === "string") return value;
	if (value && typeof value === "object" && "token" in value) return value.token;
	return null;
}

/** Maps a version key to a fixed point in [0, 100), independently per Worker. */
export function keyPoint(worker: string, key: string): number {
	// FNV-1a over UTF-8, then murmur3's finaliser so that near-identical keys spread evenly.
	let h = 0x811c9dc5;
	for (const byte of new TextEncoder().encode(`${worker}\u0000${key}`)) {
		h ^= byte;
		h = Math.imul(h, 0x01000193);
	}
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return ((h >>> 0) / 2 ** 32) * 100;
}

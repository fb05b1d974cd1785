import { ApiError } from "../errors/api-error";
import type { ResourceType } from "./bindings";

/**
 * What a person may call a resource, by Cloudflare's rules: a KV namespace's title, a D1 database's name, an
 * R2 bucket's or a queue's name (those two are also what bindings name, so they must be safe in keys and paths).
 */
const printable = (name: string) => [...name].every((ch) => (ch.codePointAt(0) ?? 0) >= 0x20);

const RULES: Record<ResourceType, { pattern: RegExp; rule: string; also?: (name: string) => boolean }> = {
	kv_namespace: { pattern: /^.{1,512}$/su, rule: "1-512 characters, no control characters", also: printable },
	d1: {
		pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
		rule: "1-64 letters, digits, - or _, starting with a letter or digit",
	},
	r2_bucket: {
		pattern: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
		rule: "3-63 lowercase letters, digits or -, starting and ending with a letter or digit",
	},
	queue: {
		pattern: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
		rule: "1-63 lowercase letters, digits or -, starting and ending with a letter or digit",
	},
};

/** Buckets and queues are bound by name, so their name is their id; namespaces and databases get a new id. */
export const NAMED_BY_ID: ReadonlySet<ResourceType> = new Set<ResourceType>(["r2_bucket", "queue"]);

/** Throws a 400 that says what a valid name looks like. */
export function checkResourceName(type: ResourceType, name: string): void {
	const { pattern, rule, also } = RULES[type];
	if (!pattern.test(name) || (also && !also(name))) {
		throw new ApiError("invalid_request", `${JSON.stringify(name)} is not a valid ${type} name: ${rule}.`);
	}
}

/**
 * Where each storage resource lives (docs/storage-layout.md, "Managed Workers' data"). A resource is an object
 * of the shiplog account, addressed by its account-wide id, never by the Worker that binds it: every Worker
 * that binds the same id reaches the same data, as on Cloudflare.
 */
export type StorageType = "kv_namespace" | "r2_bucket" | "d1" | "queue";

/**
 * Ids shiplog will serve. KV namespace and D1 database ids are Cloudflare's (32 hex digits, a UUID) or any
 * short name of the same characters; R2 bucket names follow Cloudflare's rule, which also keeps them safe
 * inside an R2 key.
 */
const WELL_FORMED: Record<StorageType, { pattern: RegExp; rule: string }> = {
	kv_namespace: { pattern: /^[A-Za-z0-9_-]{1,64}$/, rule: "1-64 letters, digits, - or _" },
	d1: { pattern: /^[A-Za-z0-9_-]{1,64}$/, rule: "1-64 letters, digits, - or _" },
	queue: {
		pattern: /^[a-z0-9][a-z0-9_-]{0,62}$/,
		rule: "1-63 lowercase letters, digits, - or _, starting with a letter or digit",
	},
	r2_bucket: {
		pattern: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
		rule: "3-63 lowercase letters, digits or -, starting and ending with a letter or digit",
	},
};

/** Why shiplog cannot serve this id, or null when it can. */
export function idProblem(type: StorageType, id: string): string | null {
	const { pattern, rule } = WELL_FORMED[type];
	return pattern.test(id) ? null : `${JSON.stringify(id)} is not a ${type} id shiplog can serve (${rule})`;
}

/** The name of the Durable Object that holds a KV namespace, a D1 database, or an R2 bucket's ledger. */
export function storeName(type: StorageType, id: string): string {
	return `${type}:${id}`;
}

/** Every object of an R2 bucket is kept in shiplog's DATA bucket under this prefix. */
export function r2KeyPrefix(bucket: string): string {
	return `r2/${bucket}/`;
}

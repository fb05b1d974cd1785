import { BindingError } from "../outcome";

/**
 * Workers KV's rules, worded as the real binding words its errors (`KV <OP> failed: <status> <message>`), so a
 * Worker's error handling sees what it would see on Cloudflare. Checked on shiplog's side of the binding.
 */
export const KV_LIMITS = {
	keyBytes: 512,
	metadataBytes: 1024,
	listKeys: 1000,
	bulkKeys: 100,
	minCacheTtlSeconds: 30,
	minExpirationTtlSeconds: 60,
} as const;

export type KvOp = "GET" | "GET_BULK" | "PUT" | "DELETE";

export function kvFailure(op: KvOp, status: number, message: string, reason?: "storage_limit"): BindingError {
	return new BindingError(`KV ${op} failed: ${status} ${message}`, "Error", undefined, reason);
}

/** A call on a namespace that was deleted (its store holds a tombstone): KV's answer for a missing namespace. */
export function kvDeleted(op: KvOp): BindingError {
	return kvFailure(op, 404, "Not Found: this namespace was deleted.");
}

const utf8Length = (text: string) => new TextEncoder().encode(text).byteLength;

export function checkKey(op: KvOp, key: string): void {
	if (key === "") throw new BindingError("Key name cannot be empty.", "TypeError");
	if (key === "." || key === "..") throw new BindingError(`"${key}" is not allowed as a key name.`, "TypeError");
	checkKeyLength(op, key);
}

export function checkKeyLength(op: KvOp, key: string): void {
	const length = utf8Length(key);
	if (length > KV_LIMITS.keyBytes) {
		throw kvFailure(op, 414, `UTF-8 encoded length of ${length} exceeds key length limit of ${KV_LIMITS.keyBytes}.`);
	}
}

export function checkCacheTtl(op: KvOp, cacheTtl: unknown): void {
	if (cacheTtl === undefined || cacheTtl === null) return;
	const seconds = Number(cacheTtl);
	if (Number.isNaN(seconds) || seconds < KV_LIMITS.minCacheTtlSeconds) {
		throw kvFailure(
			op,
			400,
			`Invalid cache_ttl of ${cacheTtl}. Cache TTL must be at least ${KV_LIMITS.minCacheTtlSeconds}.`,
		);
	}
}

export function checkBulk(keys: string[]): void {
	if (keys.length === 0) throw kvFailure("GET_BULK", 400, "You must request a minimum of 1 key");
	if (keys.length > KV_LIMITS.bulkKeys) {
		throw kvFailure("GET_BULK", 400, `You can request a maximum of ${KV_LIMITS.bulkKeys} keys`);
	}
}

export interface KvPutOptions {
	expiration?: unknown;
	expirationTtl?: unknown;
	/** JSON text, as the shim serialised it. */
	metadata?: unknown;
}

/** The absolute expiration (seconds since the epoch) a put asks for, or null; `expirationTtl` wins, as in KV. */
export function expirationOf(options: KvPutOptions, nowSeconds: number): number | null {
	const { expiration, expirationTtl } = options;
	if (expirationTtl !== undefined && expirationTtl !== null) {
		const ttl = Number.parseInt(String(expirationTtl), 10);
		if (Number.isNaN(ttl) || ttl <= 0) {
			throw kvFailure("PUT", 400, `Invalid expiration_ttl of ${expirationTtl}. Please specify integer greater than 0.`);
		}
		if (ttl < KV_LIMITS.minExpirationTtlSeconds) {
			throw kvFailure(
				"PUT",
				400,
				`Invalid expiration_ttl of ${expirationTtl}. Expiration TTL must be at least ${KV_LIMITS.minExpirationTtlSeconds}.`,
			);
		}
		return nowSeconds + ttl;
	}
	if (expiration === undefined || expiration === null) return null;
	const at = Number.parseInt(String(expiration), 10);
	if (Number.isNaN(at) || at <= nowSeconds) {
		throw kvFailure(
			"PUT",
			400,
			`Invalid expiration of ${expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
		);
	}
	if (at < nowSeconds + KV_LIMITS.minExpirationTtlSeconds) {
		throw kvFailure(
			"PUT",
			400,
			`Invalid expiration of ${expiration}. Expiration times must be at least ${KV_LIMITS.minExpirationTtlSeconds} seconds in the future.`,
		);
	}
	return at;
}

/** The metadata's JSON text, checked for size; null when the put has none. */
export function metadataOf(options: KvPutOptions): string | null {
	if (options.metadata === undefined || options.metadata === null) return null;
	if (typeof options.metadata !== "string")
		throw new BindingError("KV metadata must be serialised as JSON.", "TypeError");
	const length = utf8Length(options.metadata);
	if (length > KV_LIMITS.metadataBytes) {
		throw kvFailure("PUT", 413, `Metadata length of ${length} exceeds limit of ${KV_LIMITS.metadataBytes}.`);
	}
	return options.metadata;
}

export interface KvListOptions {
	prefix?: unknown;
	limit?: unknown;
	cursor?: unknown;
}

export interface KvListQuery {
	prefix: string;
	limit: number;
	/** List keys strictly after this one (decoded from the cursor); "" from the start. */
	after: string;
}

export function listQuery(options: KvListOptions): KvListQuery {
	const prefix = options.prefix === undefined || options.prefix === null ? "" : String(options.prefix);
	checkKeyLength("GET", prefix);
	// KV sends no limit for 0 or less, which means its maximum.
	const requested = Number(options.limit ?? 0);
	if (requested > KV_LIMITS.listKeys) {
		throw kvFailure(
			"GET",
			400,
			`Invalid key_count_limit of ${options.limit}. Please specify an integer less than ${KV_LIMITS.listKeys}.`,
		);
	}
	const limit = Number.isFinite(requested) && requested >= 1 ? Math.floor(requested) : KV_LIMITS.listKeys;
	const cursor = options.cursor === undefined || options.cursor === null ? "" : String(options.cursor);
	return { prefix, limit, after: cursor === "" ? "" : keyFromCursor(cursor) };
}

/** A list cursor is the last key returned, base64-encoded (opaque to Workers, as KV's are). */
export function cursorFor(key: string): string {
	let binary = "";
	for (const byte of new TextEncoder().encode(key)) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function keyFromCursor(cursor: string): string {
	try {
		const binary = atob(cursor);
		return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
	} catch {
		// Not one of ours: list after it as if it were a key, as KV does with a cursor it cannot place.
		return cursor;
	}
}

/**
 * The smallest string greater than every string that starts with `prefix` (SQLite compares TEXT as UTF-8
 * bytes, which orders like code points): the prefix with its last code point incremented. Null when there is
 * none (an empty prefix, or one ending in U+10FFFF).
 */
export function prefixEnd(prefix: string): string | null {
	const points = [...prefix];
	const last = points.pop();
	if (last === undefined) return null;
	let next = (last.codePointAt(0) ?? 0) + 1;
	if (next === 0xd800) next = 0xe000;
	if (next > 0x10ffff) return null;
	return points.join("") + String.fromCodePoint(next);
}

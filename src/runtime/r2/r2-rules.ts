import { BindingError } from "../outcome";

/**
 * R2's rules, worded as the real binding words its errors (`<method>: <message> (<code>)`), and the options a
 * Worker may pass: only the fields R2 defines cross to shiplog's bucket, whatever the Worker sends.
 */
export const R2_LIMITS = { keyBytes: 1024, deleteKeys: 1000, listKeys: 1000 } as const;

export type R2Method = "head" | "get" | "put" | "delete" | "list";

export function r2Failure(method: R2Method, message: string, code: number, reason?: "storage_limit"): BindingError {
	return new BindingError(`${method}: ${message} (${code})`, "Error", undefined, reason);
}

/** A call on a bucket that was deleted (its store holds a tombstone): R2's answer for a missing bucket. */
export function r2Deleted(method: R2Method): BindingError {
	return r2Failure(method, "The specified bucket does not exist: it was deleted.", 10006);
}

/**
 * R2's own errors are already worded for the Worker and name no keys, and its TypeErrors are about the options
 * the Worker passed: both go back as they are. Anything else is shiplog's fault and is rethrown.
 */
export function r2BindingError(error: unknown): unknown {
	if (error instanceof BindingError || !(error instanceof Error)) return error;
	if (error instanceof TypeError) return new BindingError(error.message, "TypeError");
	return /^[a-zA-Z]+: .+ \(\d+\)$/s.test(error.message) ? new BindingError(error.message) : error;
}

/**
 * The key as stored: under the bucket's prefix, which counts against R2's key length, so a Worker's keys can
 * be that much shorter than on Cloudflare.
 */
export function storedKey(method: R2Method, prefix: string, key: string): string {
	const stored = prefix + key;
	if (key === "" || new TextEncoder().encode(stored).byteLength > R2_LIMITS.keyBytes) {
		throw r2Failure(method, "The specified object name is not valid.", 10020);
	}
	return stored;
}

type Wire = Record<string, unknown> | undefined | null;

/** Headers do not cross RPC, so the shim sends `{ headers: [[name, value], …] }`; rebuilt here. */
function headersOr<T>(value: unknown): T | Headers | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === "object" && Array.isArray((value as { headers?: unknown }).headers)) {
		return new Headers((value as { headers: [string, string][] }).headers);
	}
	return value as T;
}

function pick(options: Wire, fields: readonly string[]): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	if (!options || typeof options !== "object") return out;
	for (const field of fields) if (options[field] !== undefined) out[field] = options[field];
	return out;
}

export function getOptions(options: Wire): R2GetOptions {
	const out = pick(options, ["onlyIf", "range", "ssecKey"]);
	if (out.onlyIf !== undefined) out.onlyIf = headersOr<R2Conditional>(out.onlyIf);
	if (out.range !== undefined) out.range = headersOr<R2Range>(out.range);
	return out as R2GetOptions;
}

/** Put options as they cross from the binding to the bucket's store (Headers still as entries). */
export function putOptionsWire(options: Wire): Record<string, unknown> {
	return pick(options, [
		"httpMetadata",
		"customMetadata",
		"md5",
		"sha1",
		"sha256",
		"sha384",
		"sha512",
		"onlyIf",
		"storageClass",
		"ssecKey",
	]);
}

export function putOptions(wire: Record<string, unknown>): R2PutOptions {
	const out = { ...wire };
	if (out.onlyIf !== undefined) out.onlyIf = headersOr<R2Conditional>(out.onlyIf);
	return out as R2PutOptions;
}

/** List options confined to the bucket's prefix: a Worker lists only its own bucket's keys. */
export function listOptions(options: Wire, prefix: string): R2ListOptions {
	const picked = pick(options, ["limit", "prefix", "cursor", "delimiter", "startAfter", "include"]);
	const out: R2ListOptions = { ...picked, prefix: prefix + (picked.prefix === undefined ? "" : String(picked.prefix)) };
	if (picked.startAfter !== undefined) out.startAfter = prefix + String(picked.startAfter);
	return out;
}

// Shipped into managed Workers (see install.shim.js): a KVNamespace over the stub of src/runtime/kv/kv-binding.ts.
// It only adapts shapes; every rule (key names, sizes, expiration, quotas) is enforced by the binding, since
// the Worker's code can reach the stub without this class.
import { unwrap } from "./outcome.shim.js";

const TYPES = ["text", "arrayBuffer", "json", "stream"];
const decoder = new TextDecoder();

function readOptions(options) {
	const opts = typeof options === "string" ? { type: options } : (options ?? {});
	const type = opts.type ?? "text";
	if (!TYPES.includes(type)) {
		throw new TypeError('Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".');
	}
	return { type, cacheTtl: opts.cacheTtl };
}

function decode(bytes, type) {
	switch (type) {
		case "arrayBuffer":
			return bytes;
		case "stream":
			return new Response(bytes).body;
		case "json":
			return JSON.parse(decoder.decode(bytes));
		default:
			return decoder.decode(bytes);
	}
}

/** KV stores strings, buffers and streams as they are and any other primitive as its string. */
function storable(value) {
	if (typeof value === "string" || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
	if (value instanceof ReadableStream) return value;
	if (typeof value === "object" && value !== null) {
		throw new TypeError(
			"KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.",
		);
	}
	return String(value);
}

function bulkValue(bytes, type) {
	try {
		return decode(bytes, type);
	} catch {
		throw new Error(`KV GET_BULK failed: 400 At least one of the requested keys corresponds to a non-${type} value`);
	}
}

/** What the binding answers when shiplog failed, by binding method (worded as src/runtime/kv/kv-operations.ts). */
export function kvInternalError(method) {
	const op = { getValues: "GET_BULK", putValue: "PUT", deleteValue: "DELETE" }[method] ?? "GET";
	return `KV ${op} failed: 500 Internal error`;
}

export class KVNamespace {
	#stub;

	constructor(stub) {
		this.#stub = stub;
	}

	async get(key, options) {
		const { type, cacheTtl } = readOptions(options);
		if (Array.isArray(key)) return this.#getMany(key, type, cacheTtl, false);
		const entry = unwrap(await this.#stub.getValue(String(key), cacheTtl));
		return entry === null ? null : decode(entry.value, type);
	}

	async getWithMetadata(key, options) {
		const { type, cacheTtl } = readOptions(options);
		if (Array.isArray(key)) return this.#getMany(key, type, cacheTtl, true);
		const entry = unwrap(await this.#stub.getValue(String(key), cacheTtl));
		if (entry === null) return { value: null, metadata: null, cacheStatus: null };
		return { value: decode(entry.value, type), metadata: entry.metadata, cacheStatus: null };
	}

	async #getMany(keys, type, cacheTtl, withMetadata) {
		if (type !== "text" && type !== "json") {
			throw new Error(`KV GET_BULK failed: 400 "${type}" is not a valid type. Use "json" or "text"`);
		}
		const names = keys.map(String);
		const entries = unwrap(await this.#stub.getValues(names, cacheTtl));
		const out = new Map();
		names.forEach((name, i) => {
			const entry = entries[i];
			if (!entry) out.set(name, null);
			else if (withMetadata) out.set(name, { value: bulkValue(entry.value, type), metadata: entry.metadata });
			else out.set(name, bulkValue(entry.value, type));
		});
		return out;
	}

	async put(key, value, options) {
		const opts = options ?? {};
		const metadata = opts.metadata == null ? undefined : JSON.stringify(opts.metadata);
		unwrap(
			await this.#stub.putValue(String(key), storable(value), {
				expiration: opts.expiration,
				expirationTtl: opts.expirationTtl,
				metadata,
			}),
		);
	}

	async delete(key) {
		unwrap(await this.#stub.deleteValue(String(key)));
	}

	async list(options) {
		const opts = options ?? {};
		return unwrap(
			await this.#stub.listKeys({
				prefix: opts.prefix ?? undefined,
				limit: opts.limit,
				cursor: opts.cursor ?? undefined,
			}),
		);
	}
}

// Shipped into managed Workers (see install.shim.js): an R2Bucket over the stub of src/runtime/r2/r2-binding.ts.
// It only adapts shapes (Headers and Blobs do not cross RPC; objects come back as plain data plus a body
// stream); keys, sizes, quotas and conditions are enforced on shiplog's side.
import { unwrap } from "./outcome.shim.js";

const HTTP_HEADERS = [
	["contentType", "content-type"],
	["contentLanguage", "content-language"],
	["contentDisposition", "content-disposition"],
	["contentEncoding", "content-encoding"],
	["cacheControl", "cache-control"],
];

function httpMetadataFrom(headers) {
	const out = {};
	for (const [field, header] of HTTP_HEADERS) {
		const value = headers.get(header);
		if (value !== null) out[field] = value;
	}
	const expires = headers.get("expires");
	if (expires !== null) out.cacheExpiry = new Date(expires);
	return out;
}

/** `onlyIf` and `range` may be Headers, which RPC cannot carry: they travel as entries and are rebuilt. */
function headersOrValue(value) {
	return value instanceof Headers ? { headers: [...value] } : value;
}

function putOptions(options) {
	if (!options) return undefined;
	const out = { ...options };
	if (options.httpMetadata instanceof Headers) out.httpMetadata = httpMetadataFrom(options.httpMetadata);
	if (options.onlyIf !== undefined) out.onlyIf = headersOrValue(options.onlyIf);
	return out;
}

function getOptions(options) {
	if (!options) return undefined;
	const out = { ...options };
	if (options.onlyIf !== undefined) out.onlyIf = headersOrValue(options.onlyIf);
	if (options.range !== undefined) out.range = headersOrValue(options.range);
	return out;
}

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

class R2Checksums {
	constructor(wire) {
		for (const [algorithm, digest] of Object.entries(wire ?? {})) if (digest !== undefined) this[algorithm] = digest;
	}

	toJSON() {
		const out = {};
		for (const [algorithm, digest] of Object.entries(this)) out[algorithm] = hex(digest);
		return out;
	}
}

// Named as workerd names the objects its R2 binding returns (R2Object and R2ObjectBody in the type definitions).
class HeadResult {
	constructor(wire) {
		this.key = wire.key;
		this.version = wire.version;
		this.size = wire.size;
		this.etag = wire.etag;
		this.httpEtag = wire.httpEtag;
		this.checksums = new R2Checksums(wire.checksums);
		this.uploaded = wire.uploaded;
		this.httpMetadata = wire.httpMetadata;
		this.customMetadata = wire.customMetadata;
		this.range = wire.range;
		this.storageClass = wire.storageClass;
		if (wire.ssecKeyMd5 !== undefined) this.ssecKeyMd5 = wire.ssecKeyMd5;
	}

	writeHttpMetadata(headers) {
		const metadata = this.httpMetadata ?? {};
		for (const [field, header] of HTTP_HEADERS) if (metadata[field] !== undefined) headers.set(header, metadata[field]);
		if (metadata.cacheExpiry !== undefined) headers.set("expires", new Date(metadata.cacheExpiry).toUTCString());
	}
}

class GetResult extends HeadResult {
	#read = false;

	constructor(wire) {
		super(wire);
		this.body = wire.body;
	}

	get bodyUsed() {
		return this.#read || this.body.locked;
	}

	#response() {
		this.#read = true;
		return new Response(this.body);
	}

	arrayBuffer() {
		return this.#response().arrayBuffer();
	}

	bytes() {
		return this.#response().bytes();
	}

	text() {
		return this.#response().text();
	}

	json() {
		return this.#response().json();
	}

	blob() {
		return this.#response().blob();
	}
}

function object(wire) {
	if (wire === null) return null;
	return wire.body === undefined ? new HeadResult(wire) : new GetResult(wire);
}

function unsupported(method) {
	return new Error(`${method}: multipart uploads are not supported by shiplog's R2 binding; use put().`);
}

export class R2Bucket {
	#stub;

	constructor(stub) {
		this.#stub = stub;
	}

	async head(key) {
		return object(unwrap(await this.#stub.headObject(String(key))));
	}

	async get(key, options) {
		return object(unwrap(await this.#stub.getObject(String(key), getOptions(options))));
	}

	async put(key, value, options) {
		const body = value instanceof Blob ? await value.arrayBuffer() : value;
		return object(unwrap(await this.#stub.putObject(String(key), body, putOptions(options))));
	}

	async delete(keys) {
		unwrap(await this.#stub.deleteObjects(Array.isArray(keys) ? keys.map(String) : [String(keys)]));
	}

	async list(options) {
		const page = unwrap(await this.#stub.listObjects(options ?? {}));
		return { ...page, objects: page.objects.map((wire) => new HeadResult(wire)) };
	}

	createMultipartUpload() {
		return Promise.reject(unsupported("createMultipartUpload"));
	}

	resumeMultipartUpload() {
		throw unsupported("resumeMultipartUpload");
	}
}

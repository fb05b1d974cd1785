/** An R2 object as it crosses to the managed Worker: plain data (and its body), rebuilt by shim/r2.shim.js. */
export interface R2ObjectWire {
	key: string;
	version: string;
	size: number;
	etag: string;
	httpEtag: string;
	uploaded: Date;
	httpMetadata?: R2HTTPMetadata;
	customMetadata?: Record<string, string>;
	range?: R2Range;
	checksums: Partial<Record<ChecksumAlgorithm, ArrayBuffer>>;
	storageClass: string;
	ssecKeyMd5?: string;
	body?: ReadableStream;
}

export interface R2ListWire {
	objects: R2ObjectWire[];
	truncated: boolean;
	cursor?: string;
	delimitedPrefixes: string[];
}

type ChecksumAlgorithm = "md5" | "sha1" | "sha256" | "sha384" | "sha512";
const ALGORITHMS: ChecksumAlgorithm[] = ["md5", "sha1", "sha256", "sha384", "sha512"];

/** The object as its Worker sees it: the key without the bucket's prefix; the body only for a get that has one. */
export function objectWire(object: R2Object, prefix: string): R2ObjectWire {
	const checksums: R2ObjectWire["checksums"] = {};
	for (const algorithm of ALGORITHMS) {
		const digest = object.checksums[algorithm];
		if (digest !== undefined) checksums[algorithm] = digest;
	}
	const wire: R2ObjectWire = {
		key: object.key.slice(prefix.length),
		version: object.version,
		size: object.size,
		etag: object.etag,
		httpEtag: object.httpEtag,
		uploaded: object.uploaded,
		httpMetadata: object.httpMetadata,
		customMetadata: object.customMetadata,
		range: object.range,
		checksums,
		storageClass: object.storageClass,
	};
	if (object.ssecKeyMd5 !== undefined) wire.ssecKeyMd5 = object.ssecKeyMd5;
	if ("body" in object) wire.body = (object as R2ObjectBody).body;
	return wire;
}

export function listWire(page: R2Objects, prefix: string): R2ListWire {
	const wire: R2ListWire = {
		objects: page.objects.map((object) => objectWire(object, prefix)),
		truncated: page.truncated,
		delimitedPrefixes: page.delimitedPrefixes.map((p) => p.slice(prefix.length)),
	};
	if (page.truncated) wire.cursor = page.cursor;
	return wire;
}

/** R2 layout: module bodies are content-addressed, one object per distinct body, at modules/sha256/<hex>. */
export function moduleKey(sha256: string): string {
	return `modules/sha256/${sha256}`;
}

/**
 * Bodies up to this size go straight to a conditional put; larger ones are looked up first, so a
 * redeploy of a large unchanged body does not send its bytes again. For a small body the lookup would
 * cost a round trip (a third of a deploy's storage time, measured by `npm run bench`) to save a few KB.
 */
export const HEAD_FIRST_BYTES = 256 * 1024;

/**
 * Stores a module body once. The put only happens when no object has the key yet, and R2 checks the
 * bytes against the hash, so a corrupted upload can never sit under a hash it does not have.
 */
export async function putModule(bucket: R2Bucket, sha256: string, bytes: Uint8Array): Promise<"stored" | "exists"> {
	const key = moduleKey(sha256);
	if (bytes.byteLength > HEAD_FIRST_BYTES && (await bucket.head(key))) return "exists";
	const put = await bucket.put(key, bytes, {
		sha256,
		onlyIf: new Headers({ "if-none-match": "*" }),
	});
	return put ? "stored" : "exists";
}

export async function getModule(bucket: R2Bucket, sha256: string): Promise<R2ObjectBody | null> {
	return bucket.get(moduleKey(sha256));
}

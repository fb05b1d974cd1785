import type { ResourceType } from "../core/bindings";
import { ApiError } from "../errors/api-error";
import { checkKey, expirationOf, listQuery, metadataOf } from "../runtime/kv/kv-rules";
import type { KvEntry, KvListPage } from "../runtime/kv/kv-store";
import { BindingError, type Outcome } from "../runtime/outcome";
import { storedKey } from "../runtime/r2/r2-rules";
import { type Body, exactBuffer, readBytes } from "../runtime/read-bytes";
import { r2KeyPrefix, storeName } from "../runtime/resource-ids";
import { storageLimits } from "../runtime/storage-limits";
import { getResourceByApiId, type ResourceRecord } from "../storage/resources";

/**
 * The data of a resource as the account's owner reaches it through the API (`wrangler kv key …`,
 * `wrangler r2 object …`): the same stores, rules and limits as a managed Worker's bindings, answered as
 * ApiErrors. Reads and writes of data are not changes to the log and are not audited; creating and deleting
 * the resource are (resource-service.ts).
 */

const NOUN: Record<ResourceType, string> = {
	kv_namespace: "KV namespace",
	d1: "D1 database",
	r2_bucket: "R2 bucket",
	queue: "queue",
};

/** The live resource the API path names (by its API id), or a 404 that says which. */
export async function liveResource(db: D1Database, type: ResourceType, apiId: string): Promise<ResourceRecord> {
	const record = await getResourceByApiId(db, type, apiId);
	if (!record || record.deleted_on !== null) {
		throw ApiError.because(
			"not_found",
			"resource_not_found",
			`${NOUN[type]} ${JSON.stringify(apiId)} does not exist${record ? " (it was deleted)" : ""}.`,
			{ type, id: apiId },
		);
	}
	return record;
}

/** A store's or a rule's refusal as the API answers it: limits are 413, everything else the caller's 400. */
export function refusal(error: BindingError | { message: string; reason?: string }): ApiError {
	if (error.reason === "storage_limit" || / 413 |exceeds/.test(error.message)) {
		return ApiError.because("payload_too_large", "resource_limit", error.message);
	}
	if (/500 Internal error|internal error/i.test(error.message)) {
		return new ApiError("internal_error", "The resource's store failed; the error has been logged.");
	}
	return new ApiError("invalid_request", error.message);
}

export function settled<T>(result: Outcome<T>): T {
	if (result.ok) return result.value;
	throw refusal(result.error);
}

/** Runs the runtime's own checks, which throw BindingErrors, and answers them as ApiErrors. */
async function checked<T>(work: () => T | Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (error instanceof BindingError) throw refusal(error);
		throw error;
	}
}

const kvStore = (env: Env, id: string) => env.KV_NAMESPACES.getByName(storeName("kv_namespace", id));
const r2Store = (env: Env, bucket: string) => env.R2_BUCKETS.getByName(storeName("r2_bucket", bucket));

export interface KvPutInput {
	value: Body;
	expiration?: string;
	expiration_ttl?: string;
	/** JSON text. */
	metadata?: string;
}

export async function kvPut(env: Env, id: string, key: string, input: KvPutInput): Promise<void> {
	const limit = storageLimits(env).kvValueBytes;
	const { bytes, expiration, metadata } = await checked(async () => {
		checkKey("PUT", key);
		if (input.metadata !== undefined) {
			try {
				JSON.parse(input.metadata);
			} catch {
				throw new BindingError("The metadata must be JSON.", "TypeError");
			}
		}
		return {
			expiration: expirationOf(
				{ expiration: input.expiration, expirationTtl: input.expiration_ttl },
				Math.floor(Date.now() / 1000),
			),
			metadata: metadataOf({ metadata: input.metadata }),
			bytes: await readBytes(
				input.value,
				limit,
				(length) =>
					new BindingError(`Value length of ${length} exceeds limit of ${limit}.`, "Error", undefined, "storage_limit"),
			),
		};
	});
	settled(await kvStore(env, id).write(key, exactBuffer(bytes), metadata, expiration));
}

export async function kvGet(env: Env, id: string, key: string): Promise<ArrayBuffer | null> {
	await checked(() => checkKey("GET", key));
	// Rpc types lose the entry's shape (its metadata is `unknown`), so name it.
	const read = (await kvStore(env, id).read(key)) as Outcome<KvEntry | null>;
	return settled(read)?.value ?? null;
}

export async function kvDelete(env: Env, id: string, key: string): Promise<void> {
	await checked(() => checkKey("DELETE", key));
	settled(await kvStore(env, id).remove(key));
}

export async function kvList(
	env: Env,
	id: string,
	query: { prefix?: string; cursor?: string; limit?: string },
): Promise<KvListPage> {
	const list = await checked(() => listQuery(query));
	return settled(await kvStore(env, id).list(list));
}

/** R2 object metadata the API takes from request headers (as wrangler sends them). */
export interface R2PutInput {
	body: Body;
	httpMetadata: Record<string, string>;
}

export async function r2Put(
	env: Env,
	bucket: string,
	key: string,
	input: R2PutInput,
): Promise<{ size: number; etag: string }> {
	const limit = storageLimits(env).r2ObjectBytes;
	const bytes = await checked(async () => {
		storedKey("put", r2KeyPrefix(bucket), key);
		return readBytes(
			input.body,
			limit,
			(length) =>
				new BindingError(
					`Your proposed upload of ${length} bytes exceeds the maximum allowed object size of ${limit} bytes.`,
					"Error",
					undefined,
					"storage_limit",
				),
		);
	});
	const written = settled(
		await r2Store(env, bucket).put(bucket, key, exactBuffer(bytes), { httpMetadata: input.httpMetadata }),
	);
	return { size: bytes.byteLength, etag: written?.etag ?? "" };
}

export async function r2Get(env: Env, bucket: string, key: string): Promise<R2ObjectBody | null> {
	const stored = await checked(() => storedKey("get", r2KeyPrefix(bucket), key));
	return env.DATA.get(stored);
}

export async function r2Delete(env: Env, bucket: string, key: string): Promise<void> {
	await checked(() => storedKey("delete", r2KeyPrefix(bucket), key));
	settled(await r2Store(env, bucket).remove(bucket, [key]));
}

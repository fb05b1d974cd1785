/**
 * How much a managed Worker may store, so that no tenant can exhaust shiplog. Each figure is a var (see
 * wrangler.toml) with a safe default; a missing or invalid var means the default.
 */
export interface StorageLimits {
	/** Largest KV value (Cloudflare's limit is 25 MiB). */
	kvValueBytes: number;
	/** Keys, values and metadata of one KV namespace together. */
	kvNamespaceBytes: number;
	/** Largest R2 object written by put() (shiplog buffers each upload). */
	r2ObjectBytes: number;
	/** Objects of one R2 bucket together. */
	r2BucketBytes: number;
	/** Size of one D1 database's file. */
	d1DatabaseBytes: number;
}

const MiB = 1024 * 1024;

/**
 * Values and objects cross two RPC hops (Worker -> binding -> store), and an RPC message holds at most 32 MiB,
 * so no configuration can raise the per-value limits above this.
 */
export const RPC_VALUE_CAP = 30 * MiB;

export const DEFAULT_LIMITS: StorageLimits = {
	kvValueBytes: 25 * MiB,
	kvNamespaceBytes: 1024 * MiB,
	r2ObjectBytes: 25 * MiB,
	r2BucketBytes: 10 * 1024 * MiB,
	d1DatabaseBytes: 500 * MiB,
};

function bytes(raw: string | undefined, fallback: number, cap = Number.MAX_SAFE_INTEGER): number {
	const value = Number(raw);
	if (raw === undefined || raw.trim() === "" || !Number.isSafeInteger(value) || value <= 0) return fallback;
	return Math.min(value, cap);
}

export function storageLimits(env: Env): StorageLimits {
	return {
		kvValueBytes: bytes(env.SHIPLOG_KV_MAX_VALUE_BYTES, DEFAULT_LIMITS.kvValueBytes, RPC_VALUE_CAP),
		kvNamespaceBytes: bytes(env.SHIPLOG_KV_MAX_NAMESPACE_BYTES, DEFAULT_LIMITS.kvNamespaceBytes),
		r2ObjectBytes: bytes(env.SHIPLOG_R2_MAX_OBJECT_BYTES, DEFAULT_LIMITS.r2ObjectBytes, RPC_VALUE_CAP),
		r2BucketBytes: bytes(env.SHIPLOG_R2_MAX_BUCKET_BYTES, DEFAULT_LIMITS.r2BucketBytes),
		d1DatabaseBytes: bytes(env.SHIPLOG_D1_MAX_DATABASE_BYTES, DEFAULT_LIMITS.d1DatabaseBytes),
	};
}

/** How much a managed Worker's Durable Objects may store (their SQLite databases), read like StorageLimits. */
export interface DurableObjectLimits {
	/** One object's database (Cloudflare's limit is 10 GB). */
	objectBytes: number;
	/** The databases of every object of one class together. */
	classBytes: number;
}

export const DEFAULT_DO_LIMITS: DurableObjectLimits = {
	objectBytes: 1024 * MiB,
	classBytes: 10 * 1024 * MiB,
};

export function durableObjectLimits(env: Env): DurableObjectLimits {
	return {
		objectBytes: bytes(env.SHIPLOG_DO_MAX_OBJECT_BYTES, DEFAULT_DO_LIMITS.objectBytes),
		classBytes: bytes(env.SHIPLOG_DO_MAX_CLASS_BYTES, DEFAULT_DO_LIMITS.classBytes),
	};
}

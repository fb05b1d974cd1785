import type { Preconditions } from "../core/preconditions";
import { ApiError } from "../errors/api-error";
import { findIdempotentResult } from "../storage/idempotency";

/** Idempotency keys whose first request is still running in this coordinator. */
export class InflightKeys {
	private readonly keys = new Set<string>();

	/** Claims `key` for a request; a conflict while its first request is still running. */
	claim(key: string | undefined): void {
		if (key === undefined) return;
		if (this.keys.has(key)) {
			throw new ApiError(
				"conflict",
				`A request with Idempotency-Key ${key} is still running; retry when it has finished.`,
			);
		}
		this.keys.add(key);
	}

	release(key: string | undefined): void {
		if (key !== undefined) this.keys.delete(key);
	}
}

/**
 * The stored result of an earlier request with the same Idempotency-Key, if it is still within its 24
 * hours: the same request gets that result again; a different request under the same key is refused.
 */
export async function storedReplay<T>(
	db: D1Database,
	worker: string,
	pre: Preconditions,
	at: string,
): Promise<{ value: T } | null> {
	const key = pre.idempotency_key;
	if (key === undefined) return null;
	const stored = await findIdempotentResult(db, worker, key, new Date(at));
	if (!stored) return null;
	if (stored.fingerprint !== (pre.fingerprint ?? "")) {
		throw new ApiError(
			"idempotency_key_reused",
			`Idempotency-Key ${key} was already used for a different request; use a new key for a new request.`,
		);
	}
	return { value: stored.result as T };
}

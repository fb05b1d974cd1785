import { digestJson } from "../core/canonical";
import type { Preconditions } from "../core/preconditions";

/**
 * A stable digest of what a request asks for (not of its bytes: multipart boundaries change on retry),
 * stored with an Idempotency-Key so that the same key with a different request is caught. `op` keeps
 * requests of different kinds apart. Secret values never go in (see secretFingerprint).
 */
export function fingerprint(op: string, asked: object): Promise<string> {
	return digestJson({ op, ...asked });
}

/**
 * The fingerprint of a request that carries an Idempotency-Key: only the key's stored result needs one
 * (commandBase leaves it out otherwise), so a request without a key spends no hashing on it.
 */
export function keyedFingerprint(pre: Preconditions, op: string, asked: object): Promise<string | undefined> {
	return pre.idempotency_key === undefined ? Promise.resolve(undefined) : fingerprint(op, asked);
}

import { digestJson } from "../core/canonical";

/**
 * A stable digest of what a request asks for (not of its bytes: multipart boundaries change on retry),
 * stored with an Idempotency-Key so that the same key with a different request is caught. `op` keeps
 * requests of different kinds apart. Secret values never go in (see secretFingerprint).
 */
export function fingerprint(op: string, asked: object): Promise<string> {
	return digestJson({ op, ...asked });
}

/** What a client can make a change conditional on. Enforced inside the coordinator, at commit time. */
export interface Preconditions {
	/** Retries with the same key get the first result, and never make a second change. */
	idempotency_key?: string;
	/** SHA-256 of what the request asked for, so a reused key with a different request is caught. */
	fingerprint?: string;
	/** The active deployment id the client last saw (`If-Match`); "*" = any deployment exists. */
	if_match?: string;
	/** Configured: a change that would replace an active deployment must carry If-Match (else 428). */
	require_if_match?: boolean;
}

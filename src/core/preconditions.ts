import { ApiError } from "../errors/api-error";

/** What a client can make a change conditional on. Enforced inside the coordinator, at commit time. */
export interface Preconditions {
	/** Retries with the same key get the first result, and never make a second change. */
	idempotency_key?: string;
	/** A digest of what the request asked for, so a reused key with a different request is caught. */
	fingerprint?: string;
	/** The active deployment id the client last saw (`If-Match`); "*" = any deployment exists. */
	if_match?: string;
	/** Configured: a change that would replace an active deployment must carry If-Match (else 428). */
	require_if_match?: boolean;
}

/** `If-Match` names the deployment the client expects to replace; anything else moved under it. */
export function checkIfMatch(worker: string, active: string | null, pre: Preconditions): void {
	const ifMatch = pre.if_match;
	if (ifMatch === undefined) {
		if (pre.require_if_match && active !== null) {
			throw new ApiError(
				"precondition_required",
				`This shiplog requires If-Match on changes: send If-Match: "${active}" (the active deployment's ETag) to replace it.`,
				{ active_deployment_id: active },
			);
		}
		return;
	}
	if (ifMatch === "*" ? active !== null : ifMatch === active) return;
	throw new ApiError(
		"precondition_failed",
		active
			? `The active deployment is now ${active}, not ${ifMatch}; look at what changed and retry with If-Match: "${active}".`
			: `Worker ${worker} has no active deployment, so If-Match: ${ifMatch} cannot hold.`,
		{ active_deployment_id: active },
	);
}

import type { Context } from "hono";
import type { Preconditions } from "../core/preconditions";
import { ApiError } from "../errors/api-error";
import type { Done } from "../services/change-context";
import { requireIfMatch } from "../services/policy";
import type { AppEnv } from "./app-env";

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Reads `Idempotency-Key` and `If-Match`; a malformed one is a 400 that says how to fix it. */
export function readPreconditions(c: Context<AppEnv>): Preconditions {
	const out: Preconditions = { require_if_match: requireIfMatch(c.env) };
	const key = c.req.header("idempotency-key");
	if (key !== undefined) {
		if (!KEY.test(key)) {
			throw new ApiError("invalid_request", "Idempotency-Key must be 1-255 printable ASCII characters without spaces.");
		}
		out.idempotency_key = key;
	}
	const ifMatch = c.req.header("if-match");
	if (ifMatch !== undefined) {
		const match = ifMatch.trim().match(/^(?:W\/)?"([^"]{1,64})"$|^(\*)$|^([A-Za-z0-9-]{1,64})$/);
		if (!match) {
			throw new ApiError(
				"invalid_request",
				'If-Match must be the active deployment\'s ETag, e.g. If-Match: "<deployment id>".',
			);
		}
		out.if_match = match[1] ?? match[2] ?? match[3];
	}
	return out;
}

/** A service's answer, marking a replay of an earlier request with the same Idempotency-Key. */
export function replayed<T>(c: Context<AppEnv>, outcome: Done<T>): T {
	if (outcome.replayed) c.header("Idempotent-Replayed", "true");
	return outcome.value;
}

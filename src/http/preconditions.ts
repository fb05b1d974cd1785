import type { Context } from "hono";
import type { Preconditions } from "../core/preconditions";
import { ApiError, type Result, unwrap } from "../errors/api-error";
import type { AppEnv } from "./app-env";

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Reads `Idempotency-Key` and `If-Match`; a malformed one is a 400 that says how to fix it. */
export function readPreconditions(c: Context<AppEnv>): Preconditions {
	const out: Preconditions = { require_if_match: c.env.SHIPLOG_REQUIRE_IF_MATCH === "true" };
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

/** A stable digest of what a request asks for (not of its bytes: multipart boundaries change on retry). */
export async function fingerprint(value: unknown): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(value)));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
	if (value && typeof value === "object") {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
	}
	return JSON.stringify(value) ?? "null";
}

/** Unwraps a coordinator result, marking a replay of an earlier request with the same Idempotency-Key. */
export function takeResult<T>(c: Context<AppEnv>, result: Result<T>): T {
	if (result.ok && result.replayed) c.header("Idempotent-Replayed", "true");
	return unwrap(result);
}

import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Reason, reasonOf } from "./reasons";

/** Every error shiplog returns carries one of these codes; clients switch on them, never on messages. */
export const ERROR_STATUS = {
	invalid_request: 400,
	unauthorized: 401,
	forbidden: 403,
	not_found: 404,
	method_not_allowed: 405,
	conflict: 409,
	precondition_failed: 412,
	payload_too_large: 413,
	unsupported_media_type: 415,
	rule_refused: 422,
	idempotency_key_reused: 422,
	precondition_required: 428,
	rate_limited: 429,
	internal_error: 500,
	not_configured: 503,
	unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export interface ErrorBody {
	code: ErrorCode;
	message: string;
	/** An object (never a bare value): RPC types keep `object` intact, while `unknown` would erase the error branch. */
	details?: object;
}

/** A failure that shiplog reports to the client as-is. Anything else that is thrown becomes a 500. */
export class ApiError extends Error {
	constructor(
		readonly code: ErrorCode,
		message: string,
		readonly details?: object,
	) {
		super(message);
		this.name = "ApiError";
	}

	get status(): ContentfulStatusCode {
		return ERROR_STATUS[this.code];
	}

	toBody(): ErrorBody {
		return this.details === undefined
			? { code: this.code, message: this.message }
			: { code: this.code, message: this.message, details: this.details };
	}

	/** The machine-readable reason in `details`, when there is one. */
	get reason(): string | undefined {
		return reasonOf(this.details);
	}

	static from(body: ErrorBody): ApiError {
		return new ApiError(body.code, body.message, body.details);
	}

	/** An error with a reason (and any other details) that adapters can switch on. */
	static because(code: ErrorCode, reason: Reason, message: string, details: object = {}): ApiError {
		return new ApiError(code, message, { reason, ...details });
	}
}

/** Results that cross an RPC boundary: errors travel as data, since a rejected RPC call loses its type. */
export type Result<T> = { ok: true; value: T; replayed?: boolean } | { ok: false; error: ErrorBody };

export function unwrap<T>(result: Result<T>): T {
	if (!result.ok) throw ApiError.from(result.error);
	return result.value;
}

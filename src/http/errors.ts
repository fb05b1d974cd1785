import type { Hook } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, type ErrorCode } from "../errors/api-error";
import { fieldIssues, summarise } from "../errors/zod-issues";
import type { AppEnv } from "./app-env";

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
	400: "invalid_request",
	401: "unauthorized",
	403: "forbidden",
	404: "not_found",
	405: "method_not_allowed",
	409: "conflict",
	412: "precondition_failed",
	413: "payload_too_large",
	415: "unsupported_media_type",
	428: "precondition_required",
	429: "rate_limited",
};

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;

export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
	if (error.code === "unavailable") c.header("Retry-After", String(RETRY_AFTER_SECONDS));
	return c.json({ error: error.toBody(), request_id: c.get("requestId") }, error.status);
}

/** The one place errors become responses: 4xx as they are, anything unexpected as a logged, opaque 500. */
export function onError(err: Error, c: Context<AppEnv>): Response {
	if (err instanceof ApiError) return errorResponse(c, err);
	if (err instanceof HTTPException && err.status < 500) {
		const code = CODE_FOR_STATUS[err.status] ?? "invalid_request";
		const message =
			err.status === 415 ? "Unsupported media type: send the body as application/json." : err.message || code;
		return errorResponse(c, new ApiError(code, message));
	}
	console.error(
		JSON.stringify({
			at: "onError",
			request_id: c.get("requestId"),
			path: c.req.path,
			error: String(err?.stack ?? err),
		}),
	);
	return errorResponse(c, new ApiError("internal_error", "shiplog failed to handle this request; it has been logged."));
}

export function notFound(c: Context<AppEnv>): Response {
	return errorResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`));
}

/** zod failures on params, query, headers or JSON bodies become one readable 400. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
	if (!result.success) {
		const issues = fieldIssues(result.error, result.target === "json" ? undefined : result.target);
		throw new ApiError("invalid_request", summarise(issues), { issues });
	}
};

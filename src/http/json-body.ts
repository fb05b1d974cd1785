import { createMiddleware } from "hono/factory";
import { jsonDepthProblem } from "../core/json-bounds";
import { ApiError } from "../errors/api-error";
import type { AppEnv } from "./app-env";
import { readLimited } from "./read-limited";

/** The largest JSON request body shiplog reads (a settings change, a deployment, a token). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

const decoder = new TextDecoder();

const isJson = (type: string | undefined) => /^application\/([\w.+-]+\+)?json\b/i.test(type ?? "");

/**
 * Bounds every JSON request body before anything parses it: at most MAX_JSON_BODY_BYTES, nested at most
 * MAX_JSON_DEPTH levels. The parsed body is left where Hono's validators find it.
 */
export const boundedJsonBody = createMiddleware<AppEnv>(async (c, next) => {
	if (c.req.raw.body && isJson(c.req.header("content-type"))) {
		const bytes = await readLimited(c.req.raw, MAX_JSON_BODY_BYTES, "The request body", "Send less at once.");
		const text = decoder.decode(bytes);
		let body: unknown;
		try {
			body = JSON.parse(text);
		} catch {
			throw new ApiError("invalid_request", "The request body is not valid JSON.");
		}
		checkJsonDepth(body);
		// Hono's validators read bodies through this cache (it holds promises, whatever its type says).
		(c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
	}
	await next();
});

/** A 400 that names where a value nests too deep. */
export function checkJsonDepth(value: unknown, root = ""): void {
	const problem = jsonDepthProblem(value, undefined, root);
	if (problem) {
		throw ApiError.because("invalid_request", "json_too_deep", `${problem.path} ${problem.message}.`, {
			issues: [problem],
		});
	}
}

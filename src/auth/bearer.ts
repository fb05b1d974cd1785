import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors/api-error";
import type { AppEnv } from "../http/app-env";
import { ADMIN } from "./principal";

const encoder = new TextEncoder();

/**
 * Compares two secrets without leaking where they differ. Both sides are hashed first so that
 * timingSafeEqual always sees equal lengths and the token's length does not leak either.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
	const [a, b] = await Promise.all([
		crypto.subtle.digest("SHA-256", encoder.encode(given)),
		crypto.subtle.digest("SHA-256", encoder.encode(expected)),
	]);
	return crypto.subtle.timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | undefined {
	const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
	return match?.[1];
}

/** Every /v1 route needs the admin token. With no token configured shiplog refuses, never runs open. */
export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
	const expected = c.env.SHIPLOG_ADMIN_TOKEN;
	if (!expected) {
		throw new ApiError(
			"not_configured",
			"shiplog has no SHIPLOG_ADMIN_TOKEN secret configured, so it refuses every request. Set it with `wrangler secret put SHIPLOG_ADMIN_TOKEN` (or in .dev.vars locally).",
		);
	}
	const given = bearerToken(c.req.header("authorization"));
	if (!given) {
		throw new ApiError("unauthorized", "Send your shiplog token as `Authorization: Bearer <token>`.");
	}
	if (!(await secretsEqual(given, expected))) {
		throw new ApiError("unauthorized", "The bearer token is not valid.");
	}
	c.set("principal", ADMIN);
	await next();
});

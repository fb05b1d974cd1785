import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { secretsEqual } from "../auth/bearer";
import { ApiError } from "../errors/api-error";
import type { AppEnv } from "../http/app-env";
import { readLimited } from "../http/read-limited";

/** No dashboard form is larger than this (a message is at most a few KiB). */
export const MAX_FORM_BYTES = 16 * 1024;

const forms = new WeakMap<Request, Promise<URLSearchParams>>();

/** The request's urlencoded form, read once and bounded; anything else is a 415 that says what to send. */
export function readForm(c: Context<AppEnv>): Promise<URLSearchParams> {
	const cached = forms.get(c.req.raw);
	if (cached) return cached;
	const reading = (async () => {
		const type = c.req.header("content-type") ?? "";
		if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
			throw new ApiError("unsupported_media_type", "Dashboard forms are sent as application/x-www-form-urlencoded.");
		}
		const bytes = await readLimited(c.req.raw, MAX_FORM_BYTES, "The form", "Shorten what you typed.");
		return new URLSearchParams(new TextDecoder().decode(bytes));
	})();
	forms.set(c.req.raw, reading);
	return reading;
}

/** One field, trimmed, at most `max` characters (longer is a 400 naming the field). */
export function field(form: URLSearchParams, name: string, max: number): string {
	const value = (form.get(name) ?? "").trim();
	if (value.length > max) throw new ApiError("invalid_request", `${name} may be at most ${max} characters.`);
	return value;
}

/**
 * Every POST of a signed-in person carries the session's CSRF token in a hidden field. The Origin check
 * (hono/csrf) runs first; this one holds even for a request whose Origin a browser got wrong, and ties each
 * form to the session that rendered it.
 */
export const requireCsrfToken = createMiddleware<AppEnv>(async (c, next) => {
	if (c.req.method === "POST") {
		const session = c.var.session;
		const given = (await readForm(c)).get("csrf") ?? "";
		if (!session || !(await secretsEqual(given, session.csrf))) {
			throw ApiError.because(
				"forbidden",
				"csrf_failed",
				"This form did not come from your dashboard session (its CSRF token is missing or wrong). Reload the page and try again.",
			);
		}
	}
	await next();
});

import type { Context } from "hono";
import { guard } from "../../../auth/route-policy";
import type { ResourceType } from "../../../core/bindings";
import { ApiError } from "../../../errors/api-error";
import type { AppEnv } from "../../../http/app-env";
import { CF, CloudflareError } from "../envelope";

/** Every resource route needs the `resources` scope for the account; the action names it in the audit log. */
export const resourceGuard = (action: string) => guard({ scope: "resources", on: "account", action });

/** Cloudflare's own codes for a missing resource and a taken name, by type (wrangler words some of them). */
const CODES: Record<ResourceType, { missing: number; taken: number }> = {
	kv_namespace: { missing: 10013, taken: 10014 },
	d1: { missing: 7404, taken: 7502 },
	r2_bucket: { missing: 10006, taken: 10004 },
	queue: { missing: 11000, taken: 11009 },
};

/**
 * Runs a service call and answers its refusals in Cloudflare's terms for this type of resource. A taken KV
 * title is a 400, not a 409: the SDK that `kv namespace create` uses retries every 409 twice.
 */
export async function inTermsOf<T>(type: ResourceType, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		if (error.reason === "resource_not_found") throw new CloudflareError(CODES[type].missing, error.message, 404);
		if (error.reason === "resource_name_taken") {
			throw new CloudflareError(CODES[type].taken, error.message, type === "kv_namespace" ? 400 : 409);
		}
		if (error.reason === "resource_in_use") {
			throw new CloudflareError(CF.conflict, `${error.message} Add ?force=true to delete it anyway.`, 409);
		}
		if (error.reason === "d1_error") throw new CloudflareError(7500, error.message, 400);
		throw error;
	}
}

/** `?force=true` on a delete; anything else but `false` or nothing is a mistake. */
export function forceOf(c: Context<AppEnv>): boolean {
	const force = c.req.query("force");
	if (force === undefined || force === "false") return false;
	if (force === "true") return true;
	throw new CloudflareError(CF.validation, "force must be true or false.");
}

/** page and per_page as Cloudflare's lists take them. */
export function paging(c: Context<AppEnv>, defaults: { per_page: number; max: number }) {
	const page = Number(c.req.query("page") ?? "1");
	const perPage = Number(c.req.query("per_page") ?? String(defaults.per_page));
	if (!Number.isSafeInteger(page) || page < 1 || page > 100_000) {
		throw new CloudflareError(CF.validation, "page must be a whole number from 1.");
	}
	if (!Number.isSafeInteger(perPage) || perPage < 1 || perPage > defaults.max) {
		throw new CloudflareError(CF.validation, `per_page must be a whole number from 1 to ${defaults.max}.`);
	}
	return { page, per_page: perPage };
}

/** A path segment as the client meant it; a stray % (wrangler does not encode R2 keys) stays as it is. */
export function decodeSegment(raw: string): string {
	try {
		return decodeURIComponent(raw);
	} catch {
		return raw.replace(/%[0-9A-Fa-f]{2}/g, (hex) => {
			try {
				return decodeURIComponent(hex);
			} catch {
				return hex;
			}
		});
	}
}

/**
 * What follows `marker` in the request's path, decoded once: keys may hold `/` and `%`, and the router's own
 * decoding of parameters would decode some of them twice.
 */
export function pathTail(c: Context<AppEnv>, marker: string): string {
	const path = new URL(c.req.url).pathname;
	const at = path.indexOf(marker);
	return at === -1 ? "" : decodeSegment(path.slice(at + marker.length));
}

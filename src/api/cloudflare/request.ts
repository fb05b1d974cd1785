import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { WORKER_NAME } from "../../core/model";
import { fieldIssues, summarise } from "../../errors/zod-issues";
import type { AppEnv } from "../../http/app-env";
import { checkJsonDepth, MAX_JSON_BODY_BYTES } from "../../http/json-body";
import { readLimited } from "../../http/read-limited";
import { CF, CloudflareError } from "./envelope";

export function workerName(c: Context<AppEnv>): string {
	const name = c.req.param("name") ?? "";
	if (!WORKER_NAME.test(name)) {
		throw new CloudflareError(
			CF.validation,
			`${JSON.stringify(name)} is not a Worker name: use 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit.`,
		);
	}
	return name;
}

/**
 * Reads a JSON body (wrangler sends some as text/plain) against `schema`, bounded in size and depth like
 * every JSON body; a mistake is a validation error that names the field.
 */
export async function jsonBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S>> {
	const bytes = await readLimited(c.req.raw, MAX_JSON_BODY_BYTES, "The request body", "Send less at once.");
	let raw: unknown;
	try {
		raw = JSON.parse(new TextDecoder().decode(bytes));
	} catch {
		throw new CloudflareError(CF.validation, "The request body is not valid JSON.");
	}
	checkJsonDepth(raw);
	const parsed = schema.safeParse(raw);
	if (!parsed.success) throw new CloudflareError(CF.validation, summarise(fieldIssues(parsed.error)));
	return parsed.data;
}

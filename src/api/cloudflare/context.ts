import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Author, Source, Version, WorkerRecord } from "../../core/model";
import type { AppEnv } from "../../http/app-env";
import { getVersion } from "../../storage/versions";
import { getWorker } from "../../storage/workers";
import { CF, CloudflareError } from "./envelope";

/** The account id in the path must be the one this shiplog answers for, as on Cloudflare. */
export const requireAccount = createMiddleware<AppEnv>(async (c, next) => {
	const given = c.req.param("account_id");
	if (!c.env.SHIPLOG_ACCOUNT_ID || given !== c.env.SHIPLOG_ACCOUNT_ID) {
		throw new CloudflareError(
			CF.unknownAccount,
			`Could not route to /accounts/${given}: this shiplog answers for account ${c.env.SHIPLOG_ACCOUNT_ID}. Set CLOUDFLARE_ACCOUNT_ID to it.`,
			404,
		);
	}
	await next();
});

/** Wrangler names itself in the User-Agent (`wrangler/4.164.0`); that is the source the log records. */
export function cloudflareActor(c: Context<AppEnv>): { author: Author; source: Source } {
	const principal = c.get("principal");
	const agent = c.req.header("user-agent") ?? "";
	return {
		author: { id: principal.id, email: principal.email },
		source: /^wrangler\//i.test(agent) ? "wrangler" : "api",
	};
}

/** Wrangler reads 10007 as "this Worker does not exist yet" (a first deploy, a draft Worker for a secret). */
export async function requireWorker(db: D1Database, name: string): Promise<WorkerRecord> {
	const worker = await getWorker(db, name);
	if (!worker) throw new CloudflareError(CF.workerNotFound, `Worker ${name} not found.`, 404);
	return worker;
}

export async function requireVersion(db: D1Database, worker: string, id: string): Promise<Version> {
	const version = await getVersion(db, worker, id);
	if (!version) {
		throw new CloudflareError(CF.versionNotFound, `Worker ${worker} has no version ${id}.`, 404);
	}
	return version;
}

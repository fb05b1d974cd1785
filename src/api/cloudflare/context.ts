import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Author, Source } from "../../core/model";
import type { AppEnv } from "../../http/app-env";
import type { ChangeContext } from "../../services/change-context";
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

/** What a wrangler request hands the service layer. Wrangler sends neither Idempotency-Key nor If-Match. */
export function cloudflareContext(c: Context<AppEnv>): ChangeContext {
	return {
		env: c.env,
		deps: c.var.deps,
		actor: cloudflareActor(c),
		principal: c.var.principal,
		surface: c.var.surface,
		preconditions: {},
		request_id: c.var.requestId,
	};
}

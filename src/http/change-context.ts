import type { Context } from "hono";
import type { Source } from "../core/model";
import type { ChangeContext } from "../services/change-context";
import { actor } from "./actor";
import type { AppEnv } from "./app-env";
import { readPreconditions } from "./preconditions";

/** What a /v1 request hands the service layer: the caller, the clock, Idempotency-Key and If-Match. */
export function changeContext(c: Context<AppEnv>, fallback: Source = "api"): ChangeContext {
	return {
		env: c.env,
		deps: c.var.deps,
		actor: actor(c, fallback),
		principal: c.var.principal,
		surface: c.var.surface,
		preconditions: readPreconditions(c),
		request_id: c.var.requestId,
	};
}

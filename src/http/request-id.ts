import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";

/** Every response carries the id that its log lines carry, so a user's report can be found. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
	const id = c.var.deps.ids.uuid();
	c.set("requestId", id);
	await next();
	c.header("x-request-id", id);
});

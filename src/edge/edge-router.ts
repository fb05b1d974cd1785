import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { edgeConfig } from "./edge-config";
import { edgeTarget } from "./routing";
import { serveManaged } from "./serve";

/**
 * Managed Workers' own traffic: `ANY /w/:name/*`, and `<name>.<routing domain>` when one is configured.
 * It runs before the API routes and needs no shiplog token: it is the managed Worker's public traffic.
 */
export const edgeRouter = createMiddleware<AppEnv>(async (c, next) => {
	const target = edgeTarget(c.req.url, edgeConfig(c.env).routingDomain);
	if (!target) return next();
	// Hono types the context with its own narrower interface; at runtime it is the Workers one.
	const ctx = c.executionCtx as ExecutionContext;
	c.res = await serveManaged(c.env, ctx, target, c.req.raw, {
		requestId: c.get("requestId"),
		clock: c.var.deps.clock,
	});
});

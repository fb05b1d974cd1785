import { OpenAPIHono } from "@hono/zod-openapi";
import { cloudflare } from "./api/cloudflare";
import { v1 } from "./api/v1";
import { slackReceiver } from "./chatops/receiver";
import { dashboard } from "./dashboard";
import { type Deps, systemDeps } from "./deps/deps";
import { edgeRouter } from "./edge/edge-router";
import { sandboxManagedPages } from "./edge/sandbox";
import type { AppEnv } from "./http/app-env";
import { provideDeps } from "./http/deps";
import { notFound, onError, validationHook } from "./http/errors";
import { requestId } from "./http/request-id";
import { d1ImportUpload } from "./services/d1-data";

export interface AppOptions {
	/** The clock and id source (tests hand in their own to move time). */
	deps?: Deps;
}

export function createApp(options: AppOptions = {}) {
	const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
	app.use("*", provideDeps(options.deps ?? systemDeps));
	app.use("*", requestId);
	app.use("/w/*", sandboxManagedPages);
	app.use("*", edgeRouter);
	app.onError(onError);
	app.notFound(notFound);

	app.get("/", (c) => c.json({ name: "shiplog", api: "/v1", openapi: "/openapi.json" }));
	app.route("/v1", v1);
	app.route("/client/v4", cloudflare);
	// The upload URL `wrangler d1 execute --file` PUTs to, with no Authorization: its random token is the credential.
	app.put("/d1-import/:token", async (c) => {
		const md5 = await d1ImportUpload(c.env, c.req.param("token"), c.req.raw, c.var.deps.clock.now());
		return c.json({ success: true, etag: md5 }, 200, { etag: `"${md5}"` });
	});
	app.get("/dashboard/", (c) => c.redirect("/dashboard", 301));
	app.route("/dashboard", dashboard);
	// Slack's slash commands and button presses, verified by their signature (src/chatops, docs/slack.md).
	app.route("/chatops/slack", slackReceiver);

	app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
		type: "http",
		scheme: "bearer",
	});
	app.doc31("/openapi.json", {
		openapi: "3.1.0",
		info: {
			title: "shiplog",
			version: "0.1.0",
			description: "An immutable log of versions and deployments for the Workers shiplog manages, with safe rollbacks.",
		},
	});
	return app;
}

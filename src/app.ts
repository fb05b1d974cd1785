import { OpenAPIHono } from "@hono/zod-openapi";
import { cloudflare } from "./api/cloudflare";
import { v1 } from "./api/v1";
import { slackReceiver } from "./chatops/receiver";
import { type Deps, systemDeps } from "./deps/deps";
import { edgeRouter } from "./edge/edge-router";
import type { AppEnv } from "./http/app-env";
import { provideDeps } from "./http/deps";
import { notFound, onError, validationHook } from "./http/errors";
import { requestId } from "./http/request-id";

export interface AppOptions {
	/** The clock and id source (tests hand in their own to move time). */
	deps?: Deps;
}

export function createApp(options: AppOptions = {}) {
	const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
	app.use("*", provideDeps(options.deps ?? systemDeps));
	app.use("*", requestId);
	app.use("*", edgeRouter);
	app.onError(onError);
	app.notFound(notFound);

	app.get("/", (c) => c.json({ name: "shiplog", api: "/v1", openapi: "/openapi.json" }));
	app.route("/v1", v1);
	app.route("/client/v4", cloudflare);
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

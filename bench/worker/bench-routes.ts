import { Hono } from "hono";
import { accessControl } from "../../src/auth/access-control";
import { guard } from "../../src/auth/route-policy";
import { ApiError } from "../../src/errors/api-error";
import type { AppEnv } from "../../src/http/app-env";
import { bindingFloors } from "./binding-floors";
import { callDirect, deployFloor, r2Usage, rollbackFloor, seedHistory } from "./floors";

/**
 * Carried by every bench Worker bundle and never by shiplog's: `npm run build:check` (scripts/check-bundle.mjs)
 * fails if the production bundle contains it, and `npm run bench` checks that it is talking to the bench Worker.
 */
export const BENCH_MARKER = "shiplog-bench-worker:not-for-production";

const SHA256 = /^[0-9a-f]{64}$/;
const NAME = /^bench-[a-z0-9-]{1,57}$/;

function worker(value: string | undefined): string {
	if (!value || !NAME.test(value)) throw new ApiError("invalid_request", "worker must be a name starting with bench-.");
	return value;
}

function count(value: string | undefined, field: string, max = 1_000_000): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1 || n > max) {
		throw new ApiError("invalid_request", `${field} must be a whole number from 1 to ${max}.`);
	}
	return n;
}

/**
 * Routes only `npm run bench` uses (bench/run.mjs), in the bench Worker only (bench/worker/index.ts): the
 * floors shiplog is measured against, a fast way to seed a long history, and R2 usage. They need the admin
 * token, like /v1.
 */
export const benchRoutes = new Hono<AppEnv>()
	.use("*", accessControl("api"))
	.use("*", guard({ scope: "admin", on: "account", action: "bench" }))
	.get("/", (c) => c.json({ worker: BENCH_MARKER }))
	.post("/floor/deploy", async (c) => {
		const sha256 = c.req.query("sha256") ?? "";
		if (!SHA256.test(sha256)) throw new ApiError("invalid_request", "sha256 must be 64 lowercase hex digits.");
		const bytes = await c.req.arrayBuffer();
		const number = count(c.req.query("number"), "number");
		return c.json(await deployFloor(c.env, { worker: worker(c.req.query("worker")), number, sha256, bytes }), 201);
	})
	.post("/floor/rollback", async (c) => {
		await rollbackFloor(c.env, {
			worker: worker(c.req.query("worker")),
			number: count(c.req.query("number"), "number"),
			version_count: count(c.req.query("version_count"), "version_count"),
			version_id: c.req.query("version_id") ?? "",
		});
		return c.body(null, 204);
	})
	.post("/seed", async (c) => {
		const name = worker(c.req.query("worker"));
		await seedHistory(c.env, name, count(c.req.query("deployments"), "deployments"));
		return c.body(null, 204);
	})
	.get("/r2", async (c) => c.json(await r2Usage(c.env.MODULES, c.req.query("prefix") ?? "modules/")))
	.route("/floor/bindings", bindingFloors)
	.all("/direct/:sha256/*", async (c) => {
		const sha256 = c.req.param("sha256");
		if (!SHA256.test(sha256)) throw new ApiError("invalid_request", "sha256 must be 64 lowercase hex digits.");
		const url = new URL(c.req.url);
		url.pathname = url.pathname.slice(`/__bench/direct/${sha256}`.length) || "/";
		return callDirect(c.env, sha256, new Request(url, c.req.raw));
	});

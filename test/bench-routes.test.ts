import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { checkWorkerInvariants } from "../src/audit/invariants";
import { api, BASE, deploy, json, TOKEN, workerSource } from "./helpers";

const app = createApp();
const benchEnv = { ...env, SHIPLOG_BENCH: "1" };

function bench(path: string, init: RequestInit & { token?: string | null } = {}, on = benchEnv) {
	const headers = new Headers(init.headers);
	if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
	return app.fetch(new Request(`${BASE}/__bench${path}`, { ...init, headers }), on);
}

async function hex(bytes: Uint8Array): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", bytes);
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("bench routes (npm run bench only)", () => {
	it("do not exist unless SHIPLOG_BENCH is 1, even with the admin token", async () => {
		const res = await api("/__bench/r2");
		expect(res.status).toBe(404);
		expect((await json(res)).error.code).toBe("not_found");
		expect((await bench("/r2", {}, { ...env, SHIPLOG_BENCH: "0" })).status).toBe(404);
	});

	it("need the admin token when enabled", async () => {
		expect((await bench("/r2", { token: null })).status).toBe(401);
		expect((await bench("/r2", { token: "wrong" })).status).toBe(401);
	});

	it("seed a long history that passes the consistency audit and lists newest first", async () => {
		expect((await bench("/seed?worker=bench-seeded&deployments=500", { method: "POST" })).status).toBe(204);
		expect(await checkWorkerInvariants(env, "bench-seeded")).toEqual([]);
		const page = await json(await api("/v1/workers/bench-seeded/deployments?limit=10"));
		expect(page.items.map((d: { number: number }) => d.number)).toEqual([
			500, 499, 498, 497, 496, 495, 494, 493, 492, 491,
		]);
	});

	it("write floor deploys and batches as valid log entries", async () => {
		const bytes = new TextEncoder().encode(workerSource("floor"));
		const sha = await hex(bytes);
		const first = await bench(`/floor/deploy?worker=bench-floor&number=1&sha256=${sha}`, {
			method: "POST",
			body: bytes,
		});
		expect(first.status).toBe(201);
		const { version_id } = await json(first);
		const batch = await bench(`/floor/batch?worker=bench-floor&number=2&version_count=1&version_id=${version_id}`, {
			method: "POST",
		});
		expect(batch.status).toBe(204);
		expect(await checkWorkerInvariants(env, "bench-floor")).toEqual([]);
		const usage = await json(await bench(`/r2?prefix=modules/sha256/${sha}`));
		expect(usage).toEqual({ bytes: bytes.byteLength, objects: 1 });
	});

	it("call a module through the Worker Loader directly, as the edge's floor", async () => {
		const deployed = await deploy("bench-direct", { modules: [{ name: "index.js", body: workerSource("direct") }] });
		const sha = deployed.version.modules[0]?.sha256;
		const res = await bench(`/direct/${sha}/anything`);
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("direct");
	});

	it("refuse names outside bench- and malformed hashes", async () => {
		expect((await bench("/seed?worker=prod&deployments=1", { method: "POST" })).status).toBe(400);
		expect((await bench("/floor/deploy?worker=bench-x&number=1&sha256=zz", { method: "POST" })).status).toBe(400);
	});
});

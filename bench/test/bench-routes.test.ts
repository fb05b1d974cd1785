import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { checkWorkerInvariants } from "../../src/audit/invariants";
import * as production from "../../src/index";
import { api, BASE, deploy, json, TOKEN, workerSource } from "../../test/helpers";
import { BENCH_MARKER } from "../worker/bench-routes";
import * as benchWorker from "../worker/index";

// Runs in the "bench" vitest project, whose Worker is the bench Worker (bench/wrangler.toml): `api` reaches it.

function bench(path: string, init: RequestInit & { token?: string | null } = {}) {
	return api(`/__bench${path}`, init);
}

async function hex(bytes: Uint8Array): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", bytes);
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Rows in every table of shiplog's D1. */
async function rowCounts(): Promise<Map<string, number>> {
	const { results } = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
	).all<{ name: string }>();
	const counts = new Map<string, number>();
	for (const { name } of results) {
		const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${name}"`).first<{ n: number }>();
		counts.set(name, row?.n ?? 0);
	}
	return counts;
}

/** How many rows `action` added (or removed) in each table it touched. */
async function rowsWritten(action: () => Promise<unknown>): Promise<Record<string, number>> {
	const before = await rowCounts();
	await action();
	const after = await rowCounts();
	const written: Record<string, number> = {};
	for (const [table, n] of after) if (n !== before.get(table)) written[table] = n - (before.get(table) ?? 0);
	return written;
}

async function ok(res: Response | Promise<Response>, status = 201): Promise<any> {
	const answered = await res;
	if (answered.status !== status) throw new Error(`${answered.status}: ${await answered.text()}`);
	return answered.status === 204 ? null : json(answered);
}

function floorDeploy(worker: string, number: number, bytes: Uint8Array, sha: string) {
	return ok(bench(`/floor/deploy?worker=${worker}&number=${number}&sha256=${sha}`, { method: "POST", body: bytes }));
}

function floorRollback(worker: string, number: number, versionCount: number, versionId: string) {
	const query = `worker=${worker}&number=${number}&version_count=${versionCount}&version_id=${versionId}`;
	return ok(bench(`/floor/rollback?${query}`, { method: "POST" }), 204);
}

const source = (text: string) => new TextEncoder().encode(workerSource(text));

describe("the bench Worker (npm run bench only)", () => {
	it("is the only Worker with /__bench: shiplog's own app answers 404 there, even to the admin token", async () => {
		const production = createApp();
		const res = await production.fetch(
			new Request(`${BASE}/__bench/r2`, { headers: { authorization: `Bearer ${TOKEN}` } }),
			env,
		);
		expect(res.status).toBe(404);
		expect(await json(await bench(""))).toEqual({ worker: BENCH_MARKER });
		// and it is shiplog otherwise
		expect((await api("/v1/workers")).status).toBe(200);
	});

	it("exports every Durable Object class and entrypoint shiplog exports, and shiplog's scheduled handler", () => {
		expect(Object.keys(benchWorker).sort()).toEqual(Object.keys(production).sort());
		expect(benchWorker.default.scheduled).toBe(production.default.scheduled);
	});

	it("needs the admin token", async () => {
		expect((await bench("/r2", { token: null })).status).toBe(401);
		expect((await bench("/r2", { token: "wrong" })).status).toBe(401);
	});

	it("seeds a long history that passes the consistency audit and lists newest first", async () => {
		await ok(bench("/seed?worker=bench-seeded&deployments=500", { method: "POST" }), 204);
		expect(await checkWorkerInvariants(env, "bench-seeded")).toEqual([]);
		const page = await json(await api("/v1/workers/bench-seeded/deployments?limit=10"));
		expect(page.items.map((d: { number: number }) => d.number)).toEqual([
			500, 499, 498, 497, 496, 495, 494, 493, 492, 491,
		]);
	});

	it("writes floor deploys and rollbacks as valid log entries", async () => {
		const one = source("floor 1");
		const sha = await hex(one);
		const { version_id } = await floorDeploy("bench-floor", 1, one, sha);
		const two = source("floor 2");
		await floorDeploy("bench-floor", 2, two, await hex(two));
		await floorRollback("bench-floor", 3, 2, version_id);
		expect(await checkWorkerInvariants(env, "bench-floor")).toEqual([]);
		const listed = await json(await api("/v1/workers/bench-floor/deployments?limit=1"));
		expect(listed.items[0]).toMatchObject({ number: 3, triggered_by: "rollback" });
		expect(await json(await bench(`/r2?prefix=modules/sha256/${sha}`))).toEqual({ bytes: one.byteLength, objects: 1 });
	});

	it("writes the rows a real deploy writes, table by table (pin, version, deployment, audit entry, event)", async () => {
		await deploy("bench-real-deploy", { modules: [{ name: "index.js", body: workerSource("real 1") }] });
		const first = source("floor first");
		await floorDeploy("bench-floor-deploy", 1, first, await hex(first));

		const real = await rowsWritten(() =>
			deploy("bench-real-deploy", { modules: [{ name: "index.js", body: workerSource("real 2") }] }),
		);
		const bytes = source("floor second");
		const sha = await hex(bytes);
		const floor = await rowsWritten(() => floorDeploy("bench-floor-deploy", 2, bytes, sha));
		expect(floor).toEqual(real);
		expect(floor).toMatchObject({ versions: 1, deployments: 1, audit_log: 1, events: 1, module_pins: 1 });
		const event = await env.DB.prepare("SELECT type, data FROM events ORDER BY seq DESC LIMIT 1").first<{
			type: string;
			data: string;
		}>();
		expect(event?.type).toBe("worker.deployed");
		expect(JSON.parse(event?.data ?? "{}").previous_deployment).toMatchObject({ number: 1 });
	});

	it("writes the rows a real rollback writes, table by table (deployment, audit entry, event)", async () => {
		await deploy("bench-real-rollback", { modules: [{ name: "index.js", body: workerSource("real a") }] });
		await deploy("bench-real-rollback", { modules: [{ name: "index.js", body: workerSource("real b") }] });
		const a = source("floor a");
		const { version_id } = await floorDeploy("bench-floor-rollback", 1, a, await hex(a));
		const b = source("floor b");
		await floorDeploy("bench-floor-rollback", 2, b, await hex(b));

		const real = await rowsWritten(() => ok(api("/v1/workers/bench-real-rollback/rollback", { method: "POST" })));
		const floor = await rowsWritten(() => floorRollback("bench-floor-rollback", 3, 2, version_id));
		expect(floor).toEqual(real);
		expect(floor).toMatchObject({ deployments: 1, audit_log: 1, events: 1 });
		const entries = await env.DB.prepare(
			"SELECT worker, action FROM audit_log WHERE worker IN ('bench-real-rollback', 'bench-floor-rollback') AND action = 'worker.rollback'",
		).all();
		expect(entries.results).toHaveLength(2);
	});

	it("calls a module through the Worker Loader directly, as the edge's floor", async () => {
		const deployed = await deploy("bench-direct", { modules: [{ name: "index.js", body: workerSource("direct") }] });
		const sha = deployed.version.modules[0]?.sha256;
		const res = await bench(`/direct/${sha}/anything`);
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("direct");
	});

	it("refuses names outside bench- and malformed hashes", async () => {
		expect((await bench("/seed?worker=prod&deployments=1", { method: "POST" })).status).toBe(400);
		expect((await bench("/floor/deploy?worker=bench-x&number=1&sha256=zz", { method: "POST" })).status).toBe(400);
	});
});

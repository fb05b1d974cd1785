import { describe, expect, it } from "vitest";
import { testApp } from "./fixtures/app";
import { countCoordinator, countedEnv, TripLog, uncountCoordinator } from "./fixtures/round-trips";
import { api, deploy, uploadForm, workerSource } from "./helpers";

/**
 * What a change costs in storage round trips (docs/architecture.md, "What a change costs"), counted through
 * wrapped bindings on both sides of the coordinator's RPC: D1 queries and batches, R2 calls, Durable Object
 * RPCs and statements on the coordinator's own SQLite. A read that comes back on this path fails here.
 */

const v = (text: string) => ({ modules: [{ name: "index.js", body: workerSource(text) }] });

/** Lets work a change left behind it (the coordinator's waitUntil) start before the trips are read. */
const afterwards = () => new Promise((resolve) => setTimeout(resolve, 100));

/** shiplog whose bindings, and the coordinator of `worker`, count into one log. */
async function counted(worker: string) {
	const log = new TripLog();
	await countCoordinator(worker, log);
	return { log, call: testApp({ vars: countedEnv(log, "worker") }) };
}

const rollback = (call: ReturnType<typeof testApp>, worker: string) =>
	call(`/v1/workers/${worker}/rollback`, { method: "POST", body: JSON.stringify({}) });

/** The coordinator's own SQLite per change: look for a pending write and read the state, then write the state
 * once the batch landed (nothing durable before the batch: it would wait for the output gate). */
const LOCAL = ["read pending", "read state", "write state"];

describe("round trips of a change", () => {
	it("a rollback is one RPC to the coordinator and one D1 batch, and nothing else reaches D1 or R2", async () => {
		await deploy("rt-rollback", v("v1"));
		await deploy("rt-rollback", v("v2"));
		const { log, call } = await counted("rt-rollback");
		// The first change through this isolate looks the Worker up once; later ones do not (known-workers.test.ts).
		expect((await rollback(call, "rt-rollback")).status).toBe(201);
		log.clear();
		expect((await rollback(call, "rt-rollback")).status).toBe(201);
		await afterwards();
		expect(log.summary()).toEqual({ "worker.rpc": 1, "coordinator.local": LOCAL.length, "coordinator.d1.batch": 1 });
		expect(log.of("rpc")[0]?.what).toBe("coordinator.rollback");
		expect(log.of("d1.batch")[0]?.what).toBe("7 statements");
		expect(log.of("local").map((t) => t.what)).toEqual(LOCAL);
		await uncountCoordinator("rt-rollback");
	});

	it("a deploy is the pin and the R2 put of its body, one RPC to the coordinator and one D1 batch", async () => {
		await deploy("rt-deploy", v("v1"));
		const { log, call } = await counted("rt-deploy");
		const res = await call("/v1/workers/rt-deploy", { method: "PUT", body: uploadForm(v("v2")) });
		expect(res.status).toBe(201);
		await afterwards();
		expect(log.summary()).toEqual({
			"worker.d1": 1,
			"worker.r2": 1,
			"worker.rpc": 1,
			"coordinator.local": LOCAL.length,
			"coordinator.d1.batch": 1,
		});
		expect(log.of("d1", "worker")[0]?.what).toMatch(/^INSERT INTO module_pins/);
		expect(log.of("r2")[0]?.what).toBe("put");
		expect(log.of("rpc")[0]?.what).toBe("coordinator.upload");
		expect(log.of("d1.batch")[0]?.what).toBe("8 statements");
		await uncountCoordinator("rt-deploy");
	});

	it("a change wakes the webhook senders with the ids its commit batch read, without reading them again", async () => {
		const res = await api("/v1/webhooks", {
			method: "POST",
			body: JSON.stringify({ url: "https://rt.receiver.test/in", events: ["*"], workers: ["rt-none-*"] }),
		});
		expect(res.status).toBe(201);
		const hook = (await res.json()) as { id: string };
		await deploy("rt-kick", v("v1"));
		await deploy("rt-kick", v("v2"));
		const { log, call } = await counted("rt-kick");
		expect((await rollback(call, "rt-kick")).status).toBe(201);
		await afterwards();
		expect(log.of("d1", "coordinator")).toEqual([]);
		expect(log.of("d1.batch", "coordinator")).toHaveLength(1);
		expect(log.of("rpc", "coordinator")).toEqual([{ from: "coordinator", kind: "rpc", what: "webhook.kick" }]);
		expect(hook.id).toMatch(/\S/);
		await uncountCoordinator("rt-kick");
	});
});

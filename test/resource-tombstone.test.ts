import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { resourceUsage } from "../src/runtime/resource-stores";
import { deployCode, edge } from "./edge/edge-helpers";
import { api, json, patchJson } from "./helpers";

/**
 * A resource deleted by force stays deleted for the Worker whose active deployment still binds it: its store
 * keeps a tombstone, so every call is refused as the real binding refuses a missing resource, and nothing it
 * sends is kept. Created (or registered) again, the resource works again, empty.
 */

const worker = `
const fail = (error) => new Response(error.constructor.name + ": " + error.message, { status: 500 });
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const k = url.searchParams.get("k") ?? "k";
		const v = url.searchParams.get("v") ?? "v";
		try {
			switch (url.pathname) {
				case "/kv/put":
					await env.KV.put(k, v);
					return new Response("stored");
				case "/kv/put-get": {
					// Two calls in one request: the second goes through the session the first opened.
					await env.KV.put(k, v);
					return new Response(await env.KV.get(k));
				}
				case "/kv/get":
					return new Response(String(await env.KV.get(k)));
				case "/kv/list":
					return Response.json((await env.KV.list()).keys.map((key) => key.name));
				case "/d1":
					return Response.json((await env.DB.prepare(url.searchParams.get("sql")).raw()));
				case "/r2/put":
					await env.BUCKET.put(k, v);
					return new Response("stored");
				case "/r2/get": {
					const object = await env.BUCKET.get(k);
					return new Response(object === null ? "null" : await object.text());
				}
				case "/r2/list":
					return Response.json((await env.BUCKET.list()).objects.map((o) => o.key));
				case "/q/send":
					await env.JOBS.send({ v });
					return new Response("sent");
			}
			return new Response("no route", { status: 404 });
		} catch (error) {
			return fail(error);
		}
	},
};`;

async function create(type: string, body: Record<string, string>) {
	const res = await patchJson("/v1/resources", { type, ...body }, "POST");
	expect(res.status, await res.clone().text()).toBeLessThan(300);
	return json(res);
}

async function forceDelete(type: string, id: string) {
	const res = await api(`/v1/resources/${type}/${id}?force=true`, { method: "DELETE" });
	expect(res.status, await res.clone().text()).toBe(200);
}

const call = async (worker: string, path: string) => {
	const res = await edge(worker, path);
	return `${res.status} ${await res.text()}`;
};

/** A Worker running `worker` above with one binding, and a way to call it. */
async function boundWorker(name: string, binding: Record<string, string>) {
	await deployCode(name, worker, { bindings: [binding] });
	return (path: string) => call(name, path);
}

describe("a force-deleted resource stays deleted for the Worker still bound to it", () => {
	it("KV: gets, puts and lists are refused as for a missing namespace, nothing is kept; registered again, it is empty", async () => {
		const kv = await create("kv_namespace", { name: "tomb-kv" });
		const run = await boundWorker("tomb-kv", { name: "KV", type: "kv_namespace", namespace_id: kv.id });
		expect(await run("/kv/put?k=before")).toBe("200 stored");
		await forceDelete("kv_namespace", kv.id);
		const refused = (op: string) => `500 Error: KV ${op} failed: 404 Not Found: this namespace was deleted.`;
		expect(await run("/kv/put?k=after")).toBe(refused("PUT"));
		// Two calls in one request: the second would go through the session the first opened.
		expect(await run("/kv/put-get?k=after")).toBe(refused("PUT"));
		expect(await run("/kv/get?k=before")).toBe(refused("GET"));
		expect(await run("/kv/list")).toBe(refused("GET"));
		// A new instance of the store reads the tombstone from its storage.
		await abortAllDurableObjects();
		expect(await run("/kv/put?k=after")).toBe(refused("PUT"));
		expect(await resourceUsage(env, "kv_namespace", kv.id)).toEqual({ bytes: 0, items: 0 });
		await create("kv_namespace", { id: kv.id });
		expect(await run("/kv/list")).toBe("200 []");
		expect(await run("/kv/put-get?k=again&v=back")).toBe("200 back");
	});

	it("D1: every query is refused as D1 refuses, nothing runs; registered again, the database is empty", async () => {
		const db = await create("d1", { name: "tomb-db" });
		const run = await boundWorker("tomb-d1", { name: "DB", type: "d1", id: db.id });
		expect(await run("/d1?sql=CREATE TABLE before (a)")).toBe("200 []");
		await forceDelete("d1", db.id);
		const refused = "500 Error: D1_ERROR: Database not found: it was deleted.";
		expect(await run("/d1?sql=CREATE TABLE after (a)")).toBe(refused);
		expect(await run("/d1?sql=SELECT 1")).toBe(refused);
		await abortAllDurableObjects();
		expect(await run("/d1?sql=CREATE TABLE after (a)")).toBe(refused);
		await create("d1", { id: db.id });
		// Neither table exists: the one from before went with the data, the one after was never made.
		expect(await run("/d1?sql=SELECT name FROM sqlite_master")).toBe("200 []");
		expect(await run("/d1?sql=CREATE TABLE again (a)")).toBe("200 []");
	});

	it("R2: puts, gets and lists are refused as for a missing bucket, nothing is kept; created again by name, it is empty", async () => {
		await create("r2_bucket", { name: "tomb-bucket" });
		const run = await boundWorker("tomb-r2", { name: "BUCKET", type: "r2_bucket", bucket_name: "tomb-bucket" });
		expect(await run("/r2/put?k=before")).toBe("200 stored");
		await forceDelete("r2_bucket", "tomb-bucket");
		const refused = (method: string) =>
			`500 Error: ${method}: The specified bucket does not exist: it was deleted. (10006)`;
		expect(await run("/r2/put?k=after")).toBe(refused("put"));
		expect(await run("/r2/get?k=before")).toBe(refused("get"));
		expect(await run("/r2/list")).toBe(refused("list"));
		await abortAllDurableObjects();
		expect(await run("/r2/put?k=after")).toBe(refused("put"));
		expect(await run("/r2/get?k=before")).toBe(refused("get"));
		expect(await resourceUsage(env, "r2_bucket", "tomb-bucket")).toEqual({ bytes: 0, items: 0 });
		expect((await env.DATA.list({ prefix: "r2/tomb-bucket/" })).objects).toEqual([]);
		await create("r2_bucket", { name: "tomb-bucket" });
		expect(await run("/r2/get?k=before")).toBe("200 null");
		expect(await run("/r2/list")).toBe("200 []");
		expect(await run("/r2/put?k=again&v=back")).toBe("200 stored");
		expect(await run("/r2/get?k=again")).toBe("200 back");
	});

	it("queues: sends are refused and nothing is queued; created again by name, the queue is empty", async () => {
		await create("queue", { name: "tomb-jobs" });
		const run = await boundWorker("tomb-q", { name: "JOBS", type: "queue", queue_name: "tomb-jobs" });
		expect(await run("/q/send")).toBe("200 sent");
		await forceDelete("queue", "tomb-jobs");
		const refused = "500 Error: Queue send failed: queue tomb-jobs does not exist: it was deleted.";
		expect(await run("/q/send")).toBe(refused);
		await abortAllDurableObjects();
		expect(await run("/q/send")).toBe(refused);
		expect(await resourceUsage(env, "queue", "tomb-jobs")).toEqual({ bytes: 0, items: 0 });
		await create("queue", { name: "tomb-jobs" });
		expect(await resourceUsage(env, "queue", "tomb-jobs")).toEqual({ bytes: 0, items: 0 });
		expect(await run("/q/send")).toBe("200 sent");
		expect(await resourceUsage(env, "queue", "tomb-jobs")).toMatchObject({ items: 1 });
	});

	it("a bucket whose emptying goes on in alarms ends as a tombstone; revived meanwhile, it waits for the purge", async () => {
		await create("r2_bucket", { name: "tomb-large" });
		const store = env.R2_BUCKETS.getByName("r2_bucket:tomb-large");
		const body = () => new TextEncoder().encode("x").buffer as ArrayBuffer;
		const midPurge = async () => {
			await env.DATA.put("r2/tomb-large/left", "over");
			// As a destroy too large for one call leaves it: marked, objects still there, an alarm set.
			await runInDurableObject(store, async (_instance, state) => {
				state.storage.sql.exec("UPDATE usage SET destroying = 'tomb-large' WHERE id = 1");
				await state.storage.setAlarm(Date.now() + 60_000);
			});
		};
		await forceDelete("r2_bucket", "tomb-large");
		await midPurge();
		expect(await runDurableObjectAlarm(store)).toBe(true);
		expect((await env.DATA.list({ prefix: "r2/tomb-large/" })).objects).toEqual([]);
		// The purge is over and the bucket stays deleted.
		expect(await store.deleted()).toBe(true);
		expect(await store.put("tomb-large", "new", body(), {})).toMatchObject({
			ok: false,
			error: { message: "put: The specified bucket does not exist: it was deleted. (10006)" },
		});
		// Created again while a purge goes on: writes wait for the purge, then work.
		await midPurge();
		await create("r2_bucket", { name: "tomb-large" });
		expect(await store.deleted()).toBe(false);
		expect(await store.put("tomb-large", "new", body(), {})).toMatchObject({
			ok: false,
			error: { message: "put: The specified bucket does not exist. (10006)" },
		});
		expect(await runDurableObjectAlarm(store)).toBe(true);
		expect((await env.DATA.list({ prefix: "r2/tomb-large/" })).objects).toEqual([]);
		expect((await store.put("tomb-large", "new", body(), {})).ok).toBe(true);
	});
});

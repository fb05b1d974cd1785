import { abortAllDurableObjects } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RuntimeBindingProps } from "../../src/runtime/runtime-bindings";
import { deployCode } from "../edge/edge-helpers";
import { testApp } from "../fixtures/app";

// Sessions (src/runtime/binding-session.ts, shim/session.shim.js): a managed Worker's KV and D1 calls within one
// request share one binding instance; a session kept from an earlier request is refused by the runtime before
// anything is sent, and the call is made again through a new one. Every write must land exactly once.

const WORKER = `
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/setup") {
			await env.DB.exec("CREATE TABLE IF NOT EXISTS calls (request TEXT NOT NULL, n INTEGER NOT NULL)");
			return new Response("ready");
		}
		const id = url.searchParams.get("id");
		const n = Number(url.searchParams.get("n"));
		for (let i = 0; i < n; i++) {
			await env.DB.prepare("INSERT INTO calls (request, n) VALUES (?, ?)").bind(id, i).run();
			await env.KV.put("k-" + id, String(i));
			const seen = await env.KV.get("k-" + id);
			if (seen !== String(i)) throw new Error("read " + seen + " after writing " + i);
			await new Promise((resolve) => setTimeout(resolve, 0));
		}
		const row = await env.DB.prepare("SELECT count(*) AS c FROM calls WHERE request = ?").bind(id).first();
		return Response.json({ id, writes: row.c, kept: await env.KV.get("k-" + id) });
	},
};`;

const bindings = [
	{ name: "DB", type: "d1", id: "session-db" },
	{ name: "KV", type: "kv_namespace", namespace_id: "session-kv" },
];

// A long wall-clock limit: the interleaved requests share two busy cores, and a slow answer is not the point here.
const call = testApp({ vars: { SHIPLOG_EDGE_TIMEOUT_MS: "20000" } });
const edge = (worker: string, path: string) => call(`/w/${worker}${path}`, { token: null });

async function run(id: string, n: number) {
	const res = await edge("sessions", `/?id=${id}&n=${n}`);
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json();
}

describe("binding sessions", () => {
	it("serve one request's calls, and a later or concurrent request's through a session of its own", async () => {
		await deployCode("sessions", WORKER, { bindings });
		expect((await edge("sessions", "/setup")).status).toBe(200);

		// One after another: each request finds the previous request's session and must open its own.
		for (const id of ["a", "b", "c", "d"]) {
			expect(await run(id, 3)).toEqual({ id, writes: 3, kept: "2" });
		}
		// Interleaved in one isolate: sessions are taken over back and forth, and no write is lost or doubled.
		const ids = ["p", "q", "r", "s", "t", "u", "v", "w"];
		const results = await Promise.all(ids.map((id) => run(id, 5)));
		expect(results).toEqual(ids.map((id) => ({ id, writes: 5, kept: "4" })));
	});

	it("answer a call refused because the store object was reset with the binding's error, then open anew", async () => {
		const RESET_WORKER = `
export default {
	async fetch(request, env) {
		await env.DB.exec("CREATE TABLE IF NOT EXISTS t (v TEXT)");
		await env.KV.put("started", "yes");
		const seen = [];
		for (let i = 0; i < 500 && seen.at(-1) !== "ok"; i++) {
			await new Promise((resolve) => setTimeout(resolve, 20));
			const answers = await Promise.allSettled([env.KV.get("started"), env.DB.prepare("SELECT 1 AS one").first("one")]);
			const failures = answers.filter((a) => a.status === "rejected").map((a) => a.reason.constructor.name + ": " + a.reason.message);
			if (failures.length > 0) seen.push(...failures);
			else if (seen.length > 0) seen.push("ok");
		}
		return Response.json(seen);
	},
};`;
		await deployCode("sessions-reset", RESET_WORKER, {
			bindings: [
				{ name: "DB", type: "d1", id: "session-reset-db" },
				{ name: "KV", type: "kv_namespace", namespace_id: "session-reset-kv" },
			],
		});
		const answer = edge("sessions-reset", "/");
		const store = env.KV_NAMESPACES.getByName("kv_namespace:session-reset-kv");
		// Once the Worker's "started" is written, its request has open sessions with both objects.
		for (let i = 0; i < 500 && (await store.usage()).keys === 0; i++) {
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		// Every object is reset, as a new version of shiplog would reset them: the Worker's open sessions with them end.
		await abortAllDurableObjects();
		const res = await answer;
		expect(res.status, await res.clone().text()).toBe(200);
		expect(await res.json()).toEqual([
			"Error: KV GET failed: 500 Internal error",
			"Error: D1_ERROR: Internal error in query",
			"ok",
		]);
	});
});

// The session a binding hands out lives in the resource's store object (KvNamespaceStore.session,
// D1DatabaseStore.session), so a Worker's calls reach the object in one hop. A Worker's code can call it without
// the shim, with anything: it must offer the binding's operations on the bound resource and nothing more.
const holder = (resource: string): RuntimeBindingProps => ({ resource, worker: "hostile", version: "v", binding: "X" });
const ADMIN = ["destroy", "usage", "read", "write", "remove", "list", "session", "constructor", "fetch"];

describe("a binding's session", () => {
	it("KV: reaches the bound namespace only, and none of the store's own methods", async () => {
		const theirs = exports.KvNamespaceBinding({ props: holder("ns-session-theirs") }) as any;
		expect(await theirs.putValue("k", "theirs")).toEqual({ ok: true });
		const mine = exports.KvNamespaceBinding({ props: holder("ns-session-mine") }) as any;
		// session() takes nothing from its caller: a resource named here is ignored.
		const session = mine.session(holder("ns-session-theirs"));
		expect(await session.call("getValue", ["k"])).toEqual({ ok: true, value: null });
		expect(await session.call("putValue", ["k", "mine"])).toEqual({ ok: true });
		expect(await session.call("listKeys", [{}])).toMatchObject({ ok: true, value: { keys: [{ name: "k" }] } });
		for (const method of ADMIN) {
			expect(await session.call(method, [])).toEqual({
				ok: false,
				error: { name: "TypeError", message: `No binding method ${method}.` },
			});
		}
		expect(await session.call("putValue", "not a list")).toMatchObject({ ok: false, error: { name: "TypeError" } });
		// The binding's rules hold on this path too.
		expect(await session.call("putValue", ["", "v"])).toMatchObject({ ok: false, error: { name: "TypeError" } });
		const limit = Number(env.SHIPLOG_KV_MAX_VALUE_BYTES);
		expect(await session.call("putValue", ["big", "x".repeat(limit + 1)])).toMatchObject({
			ok: false,
			error: { message: `KV PUT failed: 413 Value length of ${limit + 1} exceeds limit of ${limit}.` },
		});
		expect(await env.KV_NAMESPACES.getByName("kv_namespace:ns-session-mine").usage()).toEqual({ bytes: 5, keys: 1 });
		expect(await theirs.getValue("k")).toMatchObject({ ok: true, value: { metadata: null } });
		const value = ((await theirs.getValue("k")) as { value: { value: ArrayBuffer } }).value.value;
		expect(new TextDecoder().decode(value)).toBe("theirs");
	});

	it("D1: runs statements on the bound database only, and none of the store's own methods", async () => {
		const theirs = exports.D1DatabaseBinding({ props: holder("db-session-theirs") }) as any;
		expect(await theirs.execLines("CREATE TABLE secrets (v TEXT);")).toMatchObject({ ok: true });
		const mine = exports.D1DatabaseBinding({ props: holder("db-session-mine") }) as any;
		const session = mine.session(holder("db-session-theirs"));
		expect(await session.call("runStatement", [{ sql: "SELECT * FROM secrets" }, "objects"])).toMatchObject({
			ok: false,
			error: { message: expect.stringContaining("no such table: secrets") },
		});
		expect(await session.call("execLines", ["CREATE TABLE notes (v TEXT);"])).toMatchObject({ ok: true });
		for (const method of ADMIN) {
			expect(await session.call(method, [])).toEqual({
				ok: false,
				error: { name: "TypeError", message: `No binding method ${method}.` },
			});
		}
		expect(await session.call("runStatement", [{ sql: "SELECT ?", params: [{}] }, "objects"])).toMatchObject({
			ok: false,
			error: { message: expect.stringMatching(/^D1_TYPE_ERROR/) },
		});
		const tables = { sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" };
		expect(await session.call("runStatement", [tables, "objects"])).toMatchObject({
			ok: true,
			value: { results: [{ name: "notes" }] },
		});
		expect(await theirs.runStatement(tables, "objects")).toMatchObject({
			ok: true,
			value: { results: [{ name: "secrets" }] },
		});
	});
});

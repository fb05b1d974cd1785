import { describe, expect, it } from "vitest";
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
});

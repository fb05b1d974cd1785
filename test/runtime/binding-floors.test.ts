import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { deployCode, edge } from "../edge/edge-helpers";
import { BASE, TOKEN } from "../helpers";

const app = createApp();

function floor(path: string, bench = "1") {
	return app.fetch(
		new Request(`${BASE}/__bench/floor/bindings${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
		{
			...env,
			SHIPLOG_BENCH: bench,
		},
	);
}

describe("bench floors for the bindings (npm run bench only)", () => {
	it("read the same KV entry and run the same D1 query a managed Worker does, on the same store", async () => {
		await deployCode(
			"floor-seed",
			`export default { async fetch(request, env) {
				await env.KV.put("bench-key", "v");
				await env.DB.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, value TEXT NOT NULL);");
				await env.DB.prepare("INSERT INTO items VALUES (1, 'one')").run();
				return new Response("seeded");
			} };`,
			{
				bindings: [
					{ name: "KV", type: "kv_namespace", namespace_id: "floor-ns" },
					{ name: "DB", type: "d1", id: "floor-db" },
				],
			},
		);
		expect(await (await edge("floor-seed")).text()).toBe("seeded");
		const kv = await floor("/kv-get?ns=floor-ns&key=bench-key&n=3");
		expect(kv.status).toBe(200);
		expect(await kv.json()).toMatchObject({ n: 3, ms: expect.any(Number) });
		const d1 = await floor("/d1-query?db=floor-db&n=2");
		expect(await d1.json()).toMatchObject({ n: 2 });
		expect((await floor("/d1-query?db=missing-table-db&n=1")).status).toBe(400);
	});

	it("do not exist unless SHIPLOG_BENCH is 1, and refuse ids shiplog cannot serve", async () => {
		expect((await floor("/kv-get?ns=floor-ns&key=k&n=1", "0")).status).toBe(404);
		expect((await floor("/kv-get?ns=bad:id&key=k&n=1")).status).toBe(400);
		expect((await floor("/kv-get?ns=floor-ns&key=k&n=5000")).status).toBe(400);
	});
});

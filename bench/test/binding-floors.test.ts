import { describe, expect, it } from "vitest";
import { deployCode, edge } from "../../test/edge/edge-helpers";
import { api } from "../../test/helpers";

// Runs in the "bench" vitest project, whose Worker is the bench Worker (bench/wrangler.toml): `api` reaches it.

function floor(path: string) {
	return api(`/__bench/floor/bindings${path}`);
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

	it("refuse ids shiplog cannot serve and counts out of range", async () => {
		expect((await floor("/kv-get?ns=bad:id&key=k&n=1")).status).toBe(400);
		expect((await floor("/kv-get?ns=floor-ns&key=k&n=5000")).status).toBe(400);
	});
});

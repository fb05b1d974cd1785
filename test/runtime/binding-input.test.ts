import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RuntimeBindingProps } from "../../src/runtime/runtime-bindings";

/**
 * A Worker's code can reach its binding stubs without the shim (nothing stops it from calling their RPC methods
 * with anything at all), so each method must answer bad input with the binding's own error, as data.
 */
const props = (resource: string): RuntimeBindingProps => ({ resource, worker: "hostile", version: "v", binding: "X" });
const junk: unknown[] = [
	undefined,
	null,
	42,
	{ toString: () => "k" },
	["a"],
	new Uint8Array([1]),
	Symbol.for("x").toString(),
];

describe("binding entrypoints called without the shim", () => {
	it("KV answers bad input with KV's errors and stores nothing it should not", async () => {
		const kv = exports.KvNamespaceBinding({ props: props("ns-hostile") }) as any;
		for (const value of junk) {
			const outcome = await kv.putValue("k", value, { expiration: "soon", metadata: { not: "text" } });
			expect(outcome.ok).toBe(false);
		}
		expect(await kv.putValue("k", "v", { metadata: 42 })).toMatchObject({ ok: false, error: { name: "TypeError" } });
		expect(await kv.putValue("", "v")).toMatchObject({ ok: false, error: { name: "TypeError" } });
		expect(await kv.getValues("not an array")).toMatchObject({ ok: false, error: { name: "TypeError" } });
		expect(await kv.getValue({ toString: () => "k" })).toMatchObject({ ok: false, error: { name: "TypeError" } });
		expect(await kv.putValue("k", null)).toMatchObject({ ok: false, error: { name: "TypeError" } });
		expect(await kv.listKeys({ limit: "lots", prefix: 5, cursor: "%%%" })).toMatchObject({
			ok: true,
			value: { keys: [], list_complete: true },
		});
		expect((await env.KV_NAMESPACES.getByName("kv_namespace:ns-hostile").usage()).keys).toBe(0);
	});

	it("R2 answers bad input with R2's errors and keeps every key under the bucket's prefix", async () => {
		const r2 = exports.R2BucketBinding({ props: props("hostile-bucket") }) as any;
		expect(await r2.putObject("", "x")).toMatchObject({
			ok: false,
			error: { message: expect.stringContaining("(10020)") },
		});
		expect(await r2.putObject("k", { not: "a body" })).toMatchObject({ ok: false });
		expect(await r2.deleteObjects(Array.from({ length: 1001 }, (_, i) => `k${i}`))).toMatchObject({ ok: false });
		expect(await r2.putObject("../escape", "x", { onlyIf: "junk", customMetadata: 5, sneaky: true })).toMatchObject({
			ok: false,
		});
		expect(await r2.putObject("../escape", "x")).toMatchObject({ ok: true, value: { key: "../escape" } });
		expect(await r2.listObjects({ prefix: "../" })).toMatchObject({
			ok: true,
			value: { objects: [{ key: "../escape" }] },
		});
		expect(await r2.listObjects({ delimiter: 7, include: "everything" })).toMatchObject({ ok: false });
		const stored = await env.DATA.list({ prefix: "r2/" });
		expect(stored.objects.map((o) => o.key)).toEqual(["r2/hostile-bucket/../escape"]);
	});

	it("D1 answers bad statements with D1's errors", async () => {
		const d1 = exports.D1DatabaseBinding({ props: props("db-hostile") }) as any;
		expect(await d1.runStatement({ sql: 42 }, "objects")).toMatchObject({ ok: false, error: { name: "Error" } });
		expect(await d1.runStatement({ sql: "SELECT ?", params: [{}] }, "objects")).toMatchObject({
			ok: false,
			error: { message: expect.stringMatching(/^D1_TYPE_ERROR/) },
		});
		expect(await d1.runStatement({ sql: "SELECT 1 AS one", params: "none" }, "weird")).toMatchObject({
			ok: true,
			value: { results: [{ one: 1 }] },
		});
		expect(await d1.runBatch("not a list")).toMatchObject({ ok: false });
		expect(await d1.execLines({ toString: () => "SELECT 1;" })).toMatchObject({ ok: false, error: { name: "Error" } });
		expect(await d1.execLines("SELECT 1;")).toMatchObject({ ok: true, value: { count: 1 } });
	});
});

import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RuntimeBindingProps } from "../../src/runtime/runtime-bindings";
import { deployCode, edge } from "../edge/edge-helpers";

// Probes of docs/runtime.md "Cost", quieter than `npm run bench`; they print figures and assert only that the
// calls answered. Skipped unless asked for: `PROBE=1 npx vitest run --project workerd test/runtime/binding-cost.probe.test.ts`.
const ROUNDS = 30;
const N = 50;

const WORKER = `
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/seed") {
			await env.KV.put("k", "x".repeat(100));
			await env.DB.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, value TEXT NOT NULL);");
			const insert = env.DB.prepare("INSERT OR REPLACE INTO items (id, value) VALUES (?, ?)");
			await env.DB.batch(Array.from({ length: 100 }, (_, i) => insert.bind(i + 1, "value " + (i + 1))));
			return new Response("seeded");
		}
		const n = Number(url.searchParams.get("n"));
		const started = performance.now();
		if (url.pathname === "/kv") {
			for (let i = 0; i < n; i++) if ((await env.KV.get("k")) !== "x".repeat(100)) throw new Error("wrong value");
		} else {
			const query = env.DB.prepare("SELECT value FROM items WHERE id = ?");
			for (let i = 0; i < n; i++) {
				const row = await query.bind((i % 100) + 1).first();
				if (row.value !== "value " + ((i % 100) + 1)) throw new Error("wrong row");
			}
		}
		return Response.json({ ms: performance.now() - started });
	},
};`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Milliseconds per operation over `N` in a row. */
async function perOp(op: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	for (let i = 0; i < N; i++) await op();
	return (performance.now() - started) / N;
}

describe.skipIf(!env.PROBE)("binding cost probes", () => {
	it("a managed Worker's KV get and D1 query against shiplog's own call on the store", async () => {
		await deployCode("probe", WORKER, {
			bindings: [
				{ name: "KV", type: "kv_namespace", namespace_id: "probe-kv" },
				{ name: "DB", type: "d1", id: "probe-db" },
			],
		});
		expect((await edge("probe", "/seed")).status).toBe(200);
		const kv = env.KV_NAMESPACES.getByName("kv_namespace:probe-kv");
		const db = env.D1_DATABASES.getByName("d1:probe-db");
		const floors = {
			kv: () => kv.read("k"),
			d1: (i: number) =>
				db.runStatement({ sql: "SELECT value FROM items WHERE id = ?", params: [(i % 100) + 1] }, "objects"),
		};
		const figures: Record<string, unknown> = {};
		for (const kind of ["kv", "d1"] as const) {
			const managed: number[] = [];
			const floor: number[] = [];
			for (let r = 0; r < ROUNDS + 3; r++) {
				const res = await edge("probe", `/${kind}?n=${N}`);
				expect(res.status).toBe(200);
				const { ms } = (await res.json()) as { ms: number };
				let i = 0;
				const direct = await perOp(() => floors[kind](i++));
				if (r < 3) continue;
				managed.push(ms / N);
				floor.push(direct);
			}
			figures[kind] = { managed: median(managed), floor: median(floor), ratio: median(managed) / median(floor) };
		}
		console.log("probe: managed vs floor, ms per operation", JSON.stringify(figures));
	}, 120_000);

	it("a store's session handed on by the binding entrypoint costs what it costs taken from the store", async () => {
		const props: RuntimeBindingProps = { resource: "probe-fwd", worker: "probe", version: "v", binding: "KV" };
		const store = env.KV_NAMESPACES.getByName("kv_namespace:probe-fwd");
		const binding = exports.KvNamespaceBinding({ props }) as any;
		expect(await binding.putValue("k", "x".repeat(100))).toEqual({ ok: true });
		const samples: Record<string, number[]> = {};
		for (let r = 0; r < ROUNDS; r++) {
			// Opened per round, as a Worker's request opens one: from the store itself, or through the entrypoint.
			const direct = (store as any).session(props);
			const forwarded = binding.session();
			const ways: Record<string, () => Promise<unknown>> = {
				storeCall: () => store.read("k"),
				bindingCall: () => binding.getValue("k"),
				sessionFromStore: () => direct.call("getValue", ["k"]),
				sessionThroughEntrypoint: () => forwarded.call("getValue", ["k"]),
				// A request's first call: the session asked for and used in one go (promise pipelining).
				openedWithCall: () => binding.session().call("getValue", ["k"]),
			};
			for (const [name, op] of Object.entries(ways)) {
				expect(await op()).toMatchObject({ ok: true });
				samples[name] = [...(samples[name] ?? []), await perOp(op)];
			}
		}
		const medians = Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
		console.log("probe: ms per KV get, by path", JSON.stringify(medians));
	}, 120_000);
});

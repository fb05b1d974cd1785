// Figures for managed Workers' storage bindings (issue 12): a KV get and a D1 query made by a managed Worker
// through shiplog's runtime (stub -> binding entrypoint -> the resource's Durable Object), against the same
// operation made by shiplog directly on the same Durable Object (/__bench/floor/bindings/*). Both sides time
// their own loop of `n` operations, so the edge's per-request cost stays out of the figure; each request gives
// one sample (its time per operation), and the two sides alternate (ABBA). Used by bench/run.mjs.

const KV_WORKER = `
export default {
	async fetch(request, env) {
		if (request.method === "PUT") {
			await env.KV.put("bench-key", "x".repeat(100));
			return new Response("seeded");
		}
		const n = Number(new URL(request.url).searchParams.get("n"));
		const started = performance.now();
		for (let i = 0; i < n; i++) await env.KV.get("bench-key");
		return Response.json({ n, ms: performance.now() - started });
	},
};`;

const D1_WORKER = `
export default {
	async fetch(request, env) {
		if (request.method === "PUT") {
			await env.DB.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, value TEXT NOT NULL);");
			const insert = env.DB.prepare("INSERT OR REPLACE INTO items (id, value) VALUES (?, ?)");
			await env.DB.batch(Array.from({ length: 100 }, (_, i) => insert.bind(i + 1, "value " + (i + 1))));
			return new Response("seeded");
		}
		const n = Number(new URL(request.url).searchParams.get("n"));
		const query = env.DB.prepare("SELECT value FROM items WHERE id = ?");
		const started = performance.now();
		for (let i = 0; i < n; i++) await query.bind((i % 100) + 1).first();
		return Response.json({ n, ms: performance.now() - started });
	},
};`;

function uploadForm(source, bindings) {
	const form = new FormData();
	const metadata = { main_module: "index.js", compatibility_date: "2026-11-01", bindings };
	form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
	form.append("index.js", new File([source], "index.js", { type: "application/javascript+module" }));
	return form;
}

async function call(url, init) {
	const res = await fetch(url, init);
	const text = await res.text();
	if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 300)}`);
	return text;
}

function percentile(samples, p) {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (x) => Math.round(x * 1000) / 1000;

async function figure({ base, headers, rounds, n, worker, source, binding, floorPath }) {
	await call(`${base}/v1/workers/${worker}`, { method: "PUT", headers, body: uploadForm(source, [binding]) });
	await call(`${base}/w/${worker}/`, { method: "PUT" });
	const managed = async () => JSON.parse(await call(`${base}/w/${worker}/?n=${n}`));
	const floor = async () => JSON.parse(await call(`${base}${floorPath}&n=${n}`, { headers }));
	const samples = { managed: [], floor: [] };
	const warmup = 5;
	for (let i = 0; i < warmup + rounds; i++) {
		const order = i % 2 === 0 ? ["managed", "floor"] : ["floor", "managed"];
		for (const side of order) {
			const { ms } = await (side === "managed" ? managed() : floor());
			if (i >= warmup) samples[side].push(ms / n);
		}
	}
	const side = (list) => ({ p50_ms_per_op: round(percentile(list, 50)), p99_ms_per_op: round(percentile(list, 99)) });
	const subject = side(samples.managed);
	const floorSide = side(samples.floor);
	return {
		requests_each: rounds,
		operations_per_request: n,
		subject,
		floor: floorSide,
		ratio_p50: round(subject.p50_ms_per_op / floorSide.p50_ms_per_op),
	};
}

/** The two figures: `kv_get` and `d1_query`, each managed Worker vs shiplog on the same store. */
export async function bindingFigures({ base, headers, rounds, n = 20 }) {
	return {
		kv_get: await figure({
			base,
			headers,
			rounds,
			n,
			worker: "bench-kv-get",
			source: KV_WORKER,
			binding: { name: "KV", type: "kv_namespace", namespace_id: "bench-kv" },
			floorPath: "/__bench/floor/bindings/kv-get?ns=bench-kv&key=bench-key",
		}),
		d1_query: await figure({
			base,
			headers,
			rounds,
			n,
			worker: "bench-d1-query",
			source: D1_WORKER,
			binding: { name: "DB", type: "d1", id: "bench-d1" },
			floorPath: "/__bench/floor/bindings/d1-query?db=bench-d1",
		}),
	};
}

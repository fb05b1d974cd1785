// npm run bench: shiplog under `wrangler dev` on loopback, each figure measured beside its floor in the same run
// and reported as a ratio (absolute times on a shared 2-core machine are noise). Not part of `npm test`. It runs
// the bench Worker (bench/wrangler.toml, bench/worker/): shiplog as deployed plus the floor routes under /__bench.
// Options: BENCH_QUICK=1 runs fewer samples (a smoke test of this script); BENCH_ONLY=edge,rollback runs only
// those figures (names as in the JSON) and writes bench/results/partial-*.json instead of latest.json.
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { root, startBenchWorker, stopBenchWorker } from "./bench-worker.mjs";
import { bindingFigures } from "./bindings.mjs";

const quick = process.env.BENCH_QUICK === "1";
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const TOKEN = `bench_${randomBytes(18).toString("base64url")}`;
const KB = 1024;
const MB = 1024 * 1024;

const N = quick
	? {
			deploySmall: 8,
			deployLarge: 4,
			rollback: 8,
			list: 20,
			edgeSeconds: 2,
			edgeRounds: 1,
			sameBundle: 10,
			burst: 50,
			bindings: 10,
		}
	: {
			deploySmall: 150,
			deployLarge: 60,
			rollback: 200,
			list: 400,
			edgeSeconds: 5,
			edgeRounds: 3,
			sameBundle: 100,
			burst: 200,
			bindings: 200,
		};

// ---- starting shiplog ----

function startShiplog(persist) {
	const vars = {
		SHIPLOG_ADMIN_TOKEN: TOKEN,
		SHIPLOG_SECRETS_KEY: randomBytes(32).toString("base64"),
		SHIPLOG_EDGE_UNSUPPORTED_BINDINGS: "refuse",
	};
	return startBenchWorker({ persist, vars, token: TOKEN });
}

/** The workerd processes under wrangler dev (it runs the Worker, its Durable Objects, D1 and R2). */
function workerdProcesses(rootPid) {
	const parents = new Map();
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			parents.set(Number(entry), {
				ppid: Number(fields[1]),
				comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
			});
		} catch {
			// exited meanwhile
		}
	}
	const under = (pid) => {
		for (let p = pid, hops = 0; p > 1 && hops < 20; p = parents.get(p)?.ppid ?? 0, hops++) {
			if (p === rootPid) return true;
		}
		return false;
	};
	return [...parents].filter(([pid, p]) => p.comm.startsWith("workerd") && under(pid)).map(([pid]) => pid);
}

function memoryOf(pid) {
	const status = readFileSync(`/proc/${pid}/status`, "utf8");
	const kb = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
	return { pid, peak_rss_mb: round(kb("VmHWM") / 1024, 1), rss_mb: round(kb("VmRSS") / 1024, 1) };
}

// ---- helpers ----

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

function percentile(samples, p) {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const summary = (samples) => ({
	n: samples.length,
	p50_ms: round(percentile(samples, 50)),
	p99_ms: round(percentile(samples, 99)),
});

/** A distinct, valid module of `size` bytes (a comment pads it), so each deploy stores new bytes. */
function bundle(size, label) {
	const head = `export default { async fetch() { return new Response(${JSON.stringify(label)}); } };\n//`;
	const pad = randomBytes(Math.ceil(size * 0.75))
		.toString("base64")
		.replaceAll("/", "_");
	return new TextEncoder().encode((head + pad).slice(0, size));
}

function uploadForm(bytes) {
	const form = new FormData();
	const metadata = { main_module: "index.js", compatibility_date: "2026-11-01" };
	form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
	form.append("index.js", new File([bytes], "index.js", { type: "application/javascript+module" }));
	return form;
}

function client(base) {
	const headers = { authorization: `Bearer ${TOKEN}` };
	const call = async (method, path, body, extra = {}) => {
		const res = await fetch(`${base}${path}`, { method, body, headers: { ...headers, ...extra } });
		const text = await res.text();
		if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
		return text ? JSON.parse(text) : null;
	};
	const json = (method, path, value) =>
		call(method, path, value === undefined ? undefined : JSON.stringify(value), { "content-type": "application/json" });
	return {
		headers,
		deploy: (worker, bytes) => call("PUT", `/v1/workers/${worker}`, uploadForm(bytes)),
		floorDeploy: (worker, number, bytes) =>
			call("POST", `/__bench/floor/deploy?worker=${worker}&number=${number}&sha256=${sha256(bytes)}`, bytes, {
				"content-type": "application/octet-stream",
			}),
		floorRollback: (worker, number, versionCount, versionId) =>
			call(
				"POST",
				`/__bench/floor/rollback?worker=${worker}&number=${number}&version_count=${versionCount}&version_id=${versionId}`,
			),
		rollback: (worker, body = {}) => json("POST", `/v1/workers/${worker}/rollback`, body),
		settings: (worker, patch) => json("PATCH", `/v1/workers/${worker}/settings`, patch),
		secret: (worker, name, value) => json("PUT", `/v1/workers/${worker}/secrets/${name}`, { value }),
		list: (worker) => call("GET", `/v1/workers/${worker}/deployments?limit=10`),
		seed: (worker, deployments) => call("POST", `/__bench/seed?worker=${worker}&deployments=${deployments}`),
		r2: () => call("GET", "/__bench/r2?prefix="),
	};
}

async function timed(fn) {
	const start = performance.now();
	await fn();
	return performance.now() - start;
}

/**
 * Runs shiplog's operation and its floor alternately (ABBA order, so neither always goes first), after a
 * few unmeasured warm-up rounds, and returns both sets of samples.
 */
async function sideBySide(rounds, warmup, subject, floor) {
	const a = [];
	const b = [];
	for (let i = 0; i < warmup + rounds; i++) {
		const first = i % 2 === 0;
		const t1 = await timed(() => (first ? subject(i) : floor(i)));
		const t2 = await timed(() => (first ? floor(i) : subject(i)));
		if (i < warmup) continue;
		a.push(first ? t1 : t2);
		b.push(first ? t2 : t1);
	}
	return { subject: summary(a), floor: summary(b) };
}

const ratios = (m) => ({
	...m,
	ratio_p50: round(m.subject.p50_ms / m.floor.p50_ms),
	ratio_p99: round(m.subject.p99_ms / m.floor.p99_ms),
});

// ---- the figures ----

async function deployLatency(api, size, rounds, tag) {
	const worker = `bench-deploy-${tag}`;
	const floorWorker = `bench-floor-deploy-${tag}`;
	let floorNumber = 0;
	const m = await sideBySide(
		rounds,
		3,
		(i) => api.deploy(worker, bundle(size, `${worker} ${i}`)),
		() => api.floorDeploy(floorWorker, ++floorNumber, bundle(size, `${floorWorker} ${floorNumber}`)),
	);
	return ratios(m);
}

async function rollbackLatency(api, rounds) {
	const worker = "bench-rollback";
	await api.deploy(worker, bundle(2 * KB, "rollback v1"));
	await api.deploy(worker, bundle(2 * KB, "rollback v2"));
	const floorWorker = "bench-floor-rollback";
	const { version_id } = await api.floorDeploy(floorWorker, 1, bundle(2 * KB, "floor v1"));
	let floorNumber = 1;
	// With no target named, each rollback goes back to the other of the two versions.
	const m = await sideBySide(
		rounds,
		3,
		() => api.rollback(worker),
		() => api.floorRollback(floorWorker, ++floorNumber, 1, version_id),
	);
	return ratios(m);
}

async function listLatency(api, rounds) {
	const seedStart = performance.now();
	await api.seed("bench-history-100000", 100_000);
	const seedMs = performance.now() - seedStart;
	await api.seed("bench-history-100", 100);
	const m = await sideBySide(
		rounds,
		10,
		() => api.list("bench-history-100000"),
		() => api.list("bench-history-100"),
	);
	return { ...ratios(m), seed_100000_ms: Math.round(seedMs) };
}

function cannon(url, headers, seconds) {
	return new Promise((resolve, reject) => {
		autocannon({ url, headers, connections: 8, duration: seconds }, (error, result) => {
			if (error) reject(error);
			else resolve(result);
		});
	});
}

async function edgeVsDirect(api, base, seconds, rounds) {
	const worker = "bench-edge";
	const source = new TextEncoder().encode(
		`export default { async fetch(request) { return new Response("hello from " + new URL(request.url).pathname); } };`,
	);
	const deployed = await api.deploy(worker, source);
	const sha = deployed.version.modules[0].sha256;
	const edgeUrl = `${base}/w/${worker}/`;
	const directUrl = `${base}/__bench/direct/${sha}/`;
	for (const url of [edgeUrl, directUrl]) {
		const res = await fetch(url, { headers: api.headers });
		if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
		await cannon(url, api.headers, 1); // warm-up
	}
	const runs = { edge: [], direct: [] };
	for (let r = 0; r < rounds; r++) {
		const order = r % 2 === 0 ? ["edge", "direct"] : ["direct", "edge"];
		for (const which of order) {
			const result = await cannon(which === "edge" ? edgeUrl : directUrl, api.headers, seconds);
			if (result.non2xx > 0 || result.errors > 0)
				throw new Error(`${which}: ${result.non2xx} non-2xx, ${result.errors} errors`);
			runs[which].push({ p50_ms: result.latency.p50, p99_ms: result.latency.p99, rps: result.requests.average });
		}
	}
	const avg = (list, key) => round(list.reduce((s, x) => s + x[key], 0) / list.length);
	const side = (list) => ({
		p50_ms: avg(list, "p50_ms"),
		p99_ms: avg(list, "p99_ms"),
		requests_per_s: avg(list, "rps"),
	});
	const edge = side(runs.edge);
	const direct = side(runs.direct);
	return {
		connections: 8,
		seconds_per_run: seconds,
		runs_each: rounds,
		subject: edge,
		floor: direct,
		ratio_p50: round(edge.p50_ms / direct.p50_ms),
		ratio_throughput: round(edge.requests_per_s / direct.requests_per_s),
	};
}

async function r2Added(api) {
	const worker = "bench-r2";
	await api.deploy(worker, bundle(10 * KB, "r2 v1"));
	await api.deploy(worker, bundle(10 * KB, "r2 v2"));
	const added = async (fn) => {
		const before = (await api.r2()).bytes;
		await fn();
		return (await api.r2()).bytes - before;
	};
	return {
		settings_change_bytes: await added(() => api.settings(worker, { vars: { GREETING: "hello" } })),
		secret_change_bytes: await added(() => api.secret(worker, "API_KEY", "s3cret")),
		// force: the secret put above changed a secret since the target version.
		rollback_bytes: await added(() => api.rollback(worker, { force: true })),
	};
}

async function sameBundle(api, deploys) {
	const worker = "bench-same-bundle";
	const bytes = bundle(MB, "same bundle");
	const before = await api.r2();
	for (let i = 0; i < deploys; i++) await api.deploy(worker, bytes);
	const after = await api.r2();
	const added = after.bytes - before.bytes;
	return { deploys, bundle_bytes: bytes.byteLength, r2_bytes_added: added, copies: round(added / bytes.byteLength, 3) };
}

async function burst(api, workers, total, concurrency) {
	const bodies = Array.from({ length: total }, (_, i) => bundle(10 * KB, `burst ${workers} ${i}`));
	let next = 0;
	const start = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			for (let i = next++; i < total; i = next++) {
				await api.deploy(workers === 1 ? "bench-burst-one" : `bench-burst-${i % workers}`, bodies[i]);
			}
		}),
	);
	const seconds = (performance.now() - start) / 1000;
	return round(total / seconds);
}

async function deployThroughput(api, total) {
	const concurrency = 50;
	// Alternate, so that neither side always runs on a warmer (or more fragmented) database.
	const one = [];
	const many = [];
	for (let r = 0; r < 2; r++) {
		if (r === 0) {
			one.push(await burst(api, 1, total / 2, concurrency));
			many.push(await burst(api, 50, total / 2, concurrency));
		} else {
			many.push(await burst(api, 50, total / 2, concurrency));
			one.push(await burst(api, 1, total / 2, concurrency));
		}
	}
	const mean = (xs) => round(xs.reduce((a, b) => a + b, 0) / xs.length);
	return {
		deploys_per_run: total / 2,
		in_flight: concurrency,
		one_worker_per_s: mean(one),
		fifty_workers_per_s: mean(many),
		ratio: round(mean(many) / mean(one)),
	};
}

// ---- the run ----

function table(results) {
	const t = results.figures;
	const rows = [
		["deploy 10 KB p50 / p99", t.deploy_10kb, "≤ 1.5×", (m) => `${m.ratio_p50}× / ${m.ratio_p99}×`],
		["deploy 1 MB p50 / p99", t.deploy_1mb, "≤ 1.5×", (m) => `${m.ratio_p50}× / ${m.ratio_p99}×`],
		["rollback p50 / p99", t.rollback, "≤ 2×", (m) => `${m.ratio_p50}× / ${m.ratio_p99}×`],
		["list 10 of 100,000 vs of 100 p50 / p99", t.list_latest_10, "≤ 1.3×", (m) => `${m.ratio_p50}× / ${m.ratio_p99}×`],
		["edge vs direct p50 / throughput", t.edge, "≤ 1.2× / ≥ 0.8×", (m) => `${m.ratio_p50}× / ${m.ratio_throughput}×`],
		[
			"R2 bytes: settings / secret / rollback",
			t.r2_added,
			"0",
			(m) => `${m.settings_change_bytes} / ${m.secret_change_bytes} / ${m.rollback_bytes}`,
		],
		["R2 for 100 deploys of one 1 MB bundle", t.same_bundle_100x, "1×", (m) => `${m.copies}×`],
		["managed Worker's KV get vs shiplog's, p50", t.bindings?.kv_get, "≤ 1.5×", (m) => `${m.ratio_p50}×`],
		["managed Worker's D1 query vs shiplog's, p50", t.bindings?.d1_query, "≤ 1.5×", (m) => `${m.ratio_p50}×`],
		["deploys/s, 50 Workers vs 1 Worker", t.deploy_throughput, "report", (m) => `${m.ratio}×`],
		["peak RSS of workerd", t.peak_memory, "report", (m) => `${m.peak_rss_mb} MB`],
	];
	const lines = [["figure", "ratio (shiplog / floor)", "target", "absolute (shiplog | floor)"]];
	for (const [name, m, target, show] of rows) {
		if (!m) continue;
		let absolute = "";
		if (m.subject?.p50_ms !== undefined) {
			absolute = `${m.subject.p50_ms}/${m.subject.p99_ms} ms | ${m.floor.p50_ms}/${m.floor.p99_ms} ms`;
			if (m.subject.requests_per_s !== undefined)
				absolute += ` (${m.subject.requests_per_s} | ${m.floor.requests_per_s} req/s)`;
		} else if (m.subject?.p50_ms_per_op !== undefined) {
			absolute = `${m.subject.p50_ms_per_op} | ${m.floor.p50_ms_per_op} ms per operation`;
		} else if (m.one_worker_per_s !== undefined) {
			absolute = `${m.fifty_workers_per_s} | ${m.one_worker_per_s} deploys/s`;
		}
		lines.push([name, show(m), target, absolute]);
	}
	const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
	return lines.map((l) => l.map((cell, i) => cell.padEnd(widths[i])).join("  ")).join("\n");
}

async function main() {
	const persist = mkdtempSync(join(tmpdir(), "shiplog-bench-"));
	const started = Date.now();
	const shiplog = await startShiplog(persist);
	const api = client(shiplog.base);
	const figures = {};
	const step = async (name, fn) => {
		if (only && !only.has(name)) return;
		const t = Date.now();
		process.stdout.write(`${name} ... `);
		figures[name] = await fn();
		console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
	};
	try {
		await step("deploy_10kb", () => deployLatency(api, 10 * KB, N.deploySmall, "10kb"));
		await step("deploy_1mb", () => deployLatency(api, MB, N.deployLarge, "1mb"));
		await step("rollback", () => rollbackLatency(api, N.rollback));
		await step("list_latest_10", () => listLatency(api, N.list));
		await step("edge", () => edgeVsDirect(api, shiplog.base, N.edgeSeconds, N.edgeRounds));
		await step("r2_added", () => r2Added(api));
		await step("same_bundle_100x", () => sameBundle(api, N.sameBundle));
		await step("deploy_throughput", () => deployThroughput(api, N.burst));
		await step("bindings", () => bindingFigures({ base: shiplog.base, headers: api.headers, rounds: N.bindings }));
		const workerd = workerdProcesses(shiplog.child.pid).map(memoryOf);
		figures.peak_memory = {
			processes: workerd,
			peak_rss_mb: Math.max(0, ...workerd.map((p) => p.peak_rss_mb)),
		};
	} catch (error) {
		console.error(shiplog.output().slice(-4000));
		throw error;
	} finally {
		stopBenchWorker(shiplog);
		rmSync(persist, { recursive: true, force: true });
	}
	const results = {
		when: new Date().toISOString(),
		quick,
		seconds: Math.round((Date.now() - started) / 1000),
		machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, loadavg_1m: round(loadavg()[0]) },
		note: "Ratios are shiplog / its floor, measured side by side in the same run; absolute times are for context only.",
		figures,
	};
	console.log(`\n${table(results)}\n`);
	const dir = join(root, "bench", "results");
	mkdirSync(dir, { recursive: true });
	const stamp = results.when.replaceAll(":", "-").slice(0, 19);
	const file = join(dir, `${only || quick ? "partial-" : ""}${stamp}.json`);
	writeFileSync(file, `${JSON.stringify(results, null, "\t")}\n`);
	if (!only && !quick) copyFileSync(file, join(dir, "latest.json"));
	console.log(`wrote ${file}${only || quick ? "" : " and bench/results/latest.json"} (${results.seconds} s)`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});

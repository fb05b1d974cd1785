// npm run bench:audit: a full audit run over an account of 10,000 Workers and a million deployments, under
// `wrangler dev` on loopback. Seeds D1 directly (`wrangler d1 execute --local`, generated rows) before shiplog
// starts, uploads the module bodies the versions name through shiplog itself, then starts a run with
// POST /v1/audits and follows it until it finishes. Reports the run's time, time and subrequests per Worker,
// the largest step, and workerd's memory. Not part of `npm test`. Runs the bench Worker (bench/wrangler.toml),
// though it needs none of its /__bench routes: only /v1.
// Options: BENCH_AUDIT_WORKERS (10000), BENCH_AUDIT_DEPLOYMENTS per Worker (100), BENCH_AUDIT_VERSIONS per
// Worker (10), BENCH_AUDIT_BODIES (50), BENCH_AUDIT_BATCH (SHIPLOG_AUDIT_BATCH_WORKERS, 50), BENCH_AUDIT_RUNS (2: the
// first run wakes every coordinator for the first time, the second is the hourly steady state).
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { root, startBenchWorker, stopBenchWorker, wrangler } from "./bench-worker.mjs";

const N = {
	workers: Number(process.env.BENCH_AUDIT_WORKERS ?? 10_000),
	deployments: Number(process.env.BENCH_AUDIT_DEPLOYMENTS ?? 100),
	versions: Number(process.env.BENCH_AUDIT_VERSIONS ?? 10),
	bodies: Number(process.env.BENCH_AUDIT_BODIES ?? 50),
	batch: Number(process.env.BENCH_AUDIT_BATCH ?? 50),
	runs: Number(process.env.BENCH_AUDIT_RUNS ?? 2),
};
const TOKEN = `bench_${randomBytes(18).toString("base64url")}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const body = (i) => `export default { async fetch() { return new Response("bench body ${i}"); } };`;
const log = (...args) => console.error(`[bench:audit ${new Date().toISOString().slice(11, 19)}]`, ...args);

// ---- seeding D1: rows generated inside SQLite, a slice of Workers per statement ----

function seedSql(shas) {
	const { workers, deployments, versions } = N;
	const modules = (j) =>
		`json_array(json_object('name', 'index.js', 'content_type', 'application/javascript+module', 'sha256', ` +
		`json_extract('${JSON.stringify(shas)}', '$[' || ((w.i * ${versions} + ${j}) % ${shas.length}) || ']'), 'size', 80))`;
	const lines = [];
	const slice = 500;
	for (let from = 1; from <= workers; from += slice) {
		const to = Math.min(workers, from + slice - 1);
		const range = `WITH RECURSIVE w(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM w WHERE i < ${to})`;
		lines.push(
			`${range} INSERT INTO workers (name, created_on, updated_on, active_deployment_id, version_count, deployment_count)
			 SELECT printf('bench-%05d', i), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
			   printf('d-%05d-%05d', i, ${deployments}), ${versions}, ${deployments} FROM w;`,
			`${range}, v(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM v WHERE j < ${versions})
			 INSERT INTO versions (id, worker, number, created_on, author_id, author_email, source, triggered_by, main_module,
			   modules, bindings, compatibility_flags, usage_model)
			 SELECT printf('v-%05d-%05d', w.i, v.j), printf('bench-%05d', w.i), v.j,
			   strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (${versions} - v.j + 1) || ' hours'), 'bench', 'bench@shiplog', 'api', 'upload',
			   'index.js', ${modules("v.j")}, '[]', '[]', 'standard' FROM w, v;`,
			`${range}, d(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM d WHERE k < ${deployments})
			 INSERT INTO deployments (id, worker, number, created_on, author_id, author_email, source, triggered_by, versions)
			 SELECT printf('d-%05d-%05d', w.i, d.k), printf('bench-%05d', w.i), d.k,
			   strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (${deployments} - d.k + 1) || ' minutes'), 'bench', 'bench@shiplog', 'api', 'deployment',
			   json_array(json_object('version_id', printf('v-%05d-%05d', w.i, ((d.k - 1) % ${versions}) + 1), 'percentage', 100))
			 FROM w, d;`,
		);
	}
	return lines.join("\n");
}

function startShiplog(persist) {
	const vars = {
		SHIPLOG_ADMIN_TOKEN: TOKEN,
		SHIPLOG_SECRETS_KEY: randomBytes(32).toString("base64"),
		SHIPLOG_AUDIT_BATCH_WORKERS: String(N.batch),
	};
	return startBenchWorker({ persist, vars, token: TOKEN, timeoutMs: 120_000, migrated: true });
}

function workerdMemory(rootPid) {
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
		for (let p = pid, hops = 0; p > 1 && hops < 20; p = parents.get(p)?.ppid ?? 0, hops++)
			if (p === rootPid) return true;
		return false;
	};
	return [...parents]
		.filter(([pid, p]) => p.comm.startsWith("workerd") && under(pid))
		.map(([pid]) => {
			const status = readFileSync(`/proc/${pid}/status`, "utf8");
			const kb = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
			return { pid, peak_rss_mb: round(kb("VmHWM") / 1024, 1) };
		});
}

async function api(base, path, init = {}) {
	const res = await fetch(`${base}${path}`, {
		...init,
		headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text}`);
	return JSON.parse(text);
}

async function uploadBody(base, i) {
	const form = new FormData();
	form.append("metadata", new Blob([JSON.stringify({ main_module: "index.js", compatibility_date: "2026-11-01" })]));
	form.append("index.js", new File([body(i)], "index.js", { type: "application/javascript+module" }));
	await api(base, `/v1/workers/bench-body-${i}`, { method: "PUT", body: form });
}

async function followRun(base, id) {
	const started = Date.now();
	let last = "";
	for (;;) {
		const run = await api(base, `/v1/audits/${id}`);
		const line = `${run.progress.phase} ${run.progress.workers_checked}/${run.progress.workers_total} steps ${run.progress.steps}`;
		if (line !== last) log(line);
		last = line;
		if (run.status !== "running") return { run, wall_ms: Date.now() - started };
		await sleep(1000);
	}
}

async function main() {
	const persist = mkdtempSync(join(tmpdir(), "shiplog-bench-audit-"));
	mkdirSync(join(root, "bench", "results"), { recursive: true });
	let shiplog;
	try {
		log(`seeding ${N.workers} Workers, ${N.workers * N.versions} versions, ${N.workers * N.deployments} deployments`);
		wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
		const shas = Array.from({ length: N.bodies }, (_, i) => sha256(body(i)));
		const seedFile = join(persist, "seed.sql");
		writeFileSync(seedFile, seedSql(shas));
		const seeding = Date.now();
		wrangler(["d1", "execute", "DB", "--local", "--persist-to", persist, "--file", seedFile, "--yes"]);
		const seed_s = round((Date.now() - seeding) / 1000, 1);
		const counted = JSON.parse(
			wrangler([
				"d1",
				"execute",
				"DB",
				"--local",
				"--persist-to",
				persist,
				"--json",
				"--command",
				"SELECT (SELECT count(*) FROM workers) AS workers, (SELECT count(*) FROM versions) AS versions, (SELECT count(*) FROM deployments) AS deployments",
			]).toString(),
		)[0].results[0];
		log(`seeded in ${seed_s} s: ${JSON.stringify(counted)}`);

		shiplog = await startShiplog(persist);
		for (let i = 0; i < N.bodies; i++) await uploadBody(shiplog.base, i);

		const runs = [];
		for (let i = 0; i < N.runs; i++) {
			const started = await api(shiplog.base, "/v1/audits", { method: "POST" });
			runs.push(await followRun(shiplog.base, started.run.id));
		}
		const summary = ({ run, wall_ms }) => {
			const workers = run.progress.workers_checked;
			return {
				status: run.status,
				workers,
				duration_s: round((run.duration_ms ?? wall_ms) / 1000, 1),
				steps: run.progress.steps,
				ms_per_worker: round((run.duration_ms ?? wall_ms) / workers, 2),
				subrequests_total: run.counts.subrequests.total,
				subrequests_per_worker: round(run.counts.subrequests.total / workers, 2),
				subrequests_max_per_step: run.counts.subrequests.max_per_step,
				findings_opened: run.findings.opened,
				integrity: run.counts.integrity,
				gc: run.counts.gc,
			};
		};
		const result = {
			when: new Date().toISOString(),
			machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, loadavg_1m: round(loadavg()[0] ?? 0) },
			account: { ...counted, module_bodies: N.bodies },
			batch_workers: N.batch,
			seed_s,
			runs: runs.map(summary),
			workerd: workerdMemory(shiplog.child.pid),
			note: "wrangler dev on a shared 2-core machine: times are for scale, not for Cloudflare's network.",
		};
		writeFileSync(join(root, "bench", "results", "audit-latest.json"), `${JSON.stringify(result, null, "\t")}\n`);
		console.log(JSON.stringify(result, null, 2));
		if (runs.some(({ run }) => run.status !== "done")) process.exitCode = 1;
	} catch (error) {
		console.error(error);
		if (shiplog) console.error(shiplog.output().slice(-4000));
		process.exitCode = 1;
	} finally {
		if (shiplog) stopBenchWorker(shiplog);
		await sleep(500);
		rmSync(persist, { recursive: true, force: true });
	}
}

await main();

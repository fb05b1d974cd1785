import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import type { AuditRunSchema } from "../../src/api/v1/audit-schemas";
import { runToCompletion, startRun, stepRun } from "../../src/audit/audit-run";
import { systemDeps } from "../../src/deps/deps";
import worker from "../../src/index";
import { getRun } from "../../src/storage/audit-runs";
import { auditNow, driveAuditRunner, openFindings } from "../fixtures/audit";
import { api, deploy, json, workerSource } from "../helpers";

/** Runs as Cloudflare drives them (cron, alarms), as people read them (/v1/audits, /v1/findings), and resumed. */

const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type RunView = z.infer<typeof AuditRunSchema>;

/** Lets the AuditRunner's alarms carry the running run to its end, and reads it through the API. */
async function driveRunner(): Promise<RunView> {
	await driveAuditRunner();
	const { items } = await json(await api("/v1/audits?limit=1"));
	return items[0];
}

describe("the scheduled handler, as Cloudflare drives it", () => {
	it("starts a run that the AuditRunner carries out step by step, alarm by alarm", async () => {
		await deploy("rn-cron", { modules: [{ name: "index.js", body: workerSource("cron") }] });
		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: Date.now() }), env, ctx);
		await waitOnExecutionContext(ctx);
		const started = await env.DB.prepare("SELECT id, trigger FROM audit_runs ORDER BY number DESC LIMIT 1").first<{
			id: string;
			trigger: string;
		}>();
		expect(started?.trigger).toBe("cron:17 * * * *");
		const done = await driveRunner();
		expect(done).toMatchObject({ id: started?.id, trigger: "cron:17 * * * *", status: "done" });
		expect(done.progress.workers_checked).toBe(1);
		expect(done.progress.steps).toBeGreaterThan(1);
		expect(done.duration_ms).toBeGreaterThanOrEqual(0);
	});
});

describe("POST /v1/audits", () => {
	it("starts a run (202, Location) and never a second one while it runs", async () => {
		const first = await api("/v1/audits", { method: "POST" });
		expect(first.status).toBe(202);
		const body = await json(first);
		expect(body.started).toBe(true);
		expect(first.headers.get("location")).toBe(`/v1/audits/${body.run.id}`);
		const second = await json(await api("/v1/audits", { method: "POST" }));
		if (!second.started) expect(second.run.id).toBe(body.run.id);
		await driveRunner();
		const runs = await env.DB.prepare("SELECT count(*) AS n FROM audit_runs WHERE status = 'running'").first<{
			n: number;
		}>();
		expect(runs?.n).toBe(0);
	});

	it("answers with the run in progress when one is", async () => {
		const a = await startRun(env, systemDeps, "test");
		const b = await startRun(env, systemDeps, "test");
		expect(a.started).toBe(true);
		expect(b).toMatchObject({ started: false, run: { id: a.run.id } });
		await runToCompletion(env, systemDeps, a.run.id);
	});

	it("needs the token", async () => {
		expect((await api("/v1/audits", { method: "POST", token: null })).status).toBe(401);
		expect((await api("/v1/findings", { token: null })).status).toBe(401);
	});
});

describe("reading runs and findings", () => {
	it("lists runs newest first with a cursor, and shows one run with the findings it opened and closed", async () => {
		await deploy("rn-read", { modules: [{ name: "index.js", body: workerSource("read") }] });
		await env.DB.prepare("UPDATE workers SET deployment_count = 9 WHERE name = 'rn-read'").run();
		const opening = await auditNow();
		await env.DB.prepare("UPDATE workers SET deployment_count = 1 WHERE name = 'rn-read'").run();
		const closing = await auditNow();

		const page1 = await json(await api("/v1/audits?limit=1"));
		expect(page1.items.map((r: RunView) => r.id)).toEqual([closing.id]);
		const page2 = await json(await api(`/v1/audits?limit=1&cursor=${page1.next_cursor}`));
		expect(page2.items.map((r: RunView) => r.id)).toEqual([opening.id]);

		const detail = await json(await api(`/v1/audits/${opening.id}`));
		expect(detail).toMatchObject({ status: "done", findings: { opened: opening.findings_opened } });
		expect(detail.checks).toEqual([
			"consistency",
			"drift",
			"integrity",
			"rollback_readiness",
			"stale_rollouts",
			"secrets",
			"resources",
		]);
		expect(detail.counts.checks.consistency.examined).toBeGreaterThanOrEqual(1);
		expect(detail.opened.map((f: { worker: string; check: string }) => [f.worker, f.check])).toContainEqual([
			"rn-read",
			"consistency",
		]);
		const closed = await json(await api(`/v1/audits/${closing.id}`));
		expect(closed.closed.every((f: { status: string }) => f.status === "closed")).toBe(true);
		expect(closed.closed.map((f: { worker: string }) => f.worker)).toContain("rn-read");

		expect((await api("/v1/audits/no-such-run")).status).toBe(404);
	});

	it("lists open findings filtered by Worker, check and severity, and closed ones on request", async () => {
		await deploy("rn-find", { modules: [{ name: "index.js", body: workerSource("find") }] });
		await env.DB.prepare("UPDATE workers SET active_deployment_id = 'elsewhere' WHERE name = 'rn-find'").run();
		await auditNow();
		const mine = await json(await api("/v1/findings?worker=rn-find"));
		expect(mine.items.map((f: { check: string; subject: string }) => `${f.check}/${f.subject}`).sort()).toEqual([
			"consistency/coordinator",
			"consistency/pointer",
			"drift/edge",
		]);
		const drift = await json(await api("/v1/findings?worker=rn-find&check=drift&severity=critical"));
		expect(drift.items).toHaveLength(1);
		expect(drift.items[0]).toMatchObject({ worker: "rn-find", status: "open", severity: "critical" });
		expect((await json(await api("/v1/findings?worker=rn-find&severity=info"))).items).toEqual([]);
		const paged = await json(await api("/v1/findings?worker=rn-find&limit=2"));
		expect(paged.items).toHaveLength(2);
		const rest = await json(await api(`/v1/findings?worker=rn-find&limit=2&cursor=${paged.next_cursor}`));
		expect(rest.items).toHaveLength(1);

		const pointer = await env.DB.prepare(
			"SELECT id FROM deployments WHERE worker = 'rn-find' ORDER BY number DESC LIMIT 1",
		).first<{ id: string }>();
		await env.DB.prepare("UPDATE workers SET active_deployment_id = ?1 WHERE name = 'rn-find'").bind(pointer?.id).run();
		await auditNow();
		expect((await json(await api("/v1/findings?worker=rn-find"))).items).toEqual([]);
		const closed = await json(await api("/v1/findings?worker=rn-find&status=closed"));
		expect(closed.items).toHaveLength(3);

		const bad = await api("/v1/findings?check=everything");
		expect(bad.status).toBe(400);
		expect((await json(bad)).error.message).toContain("check");
	});

	it("documents the routes in the OpenAPI document", async () => {
		const doc = await json(await api("/openapi.json", { token: null }));
		expect(Object.keys(doc.paths)).toEqual(
			expect.arrayContaining(["/v1/audits", "/v1/audits/{run_id}", "/v1/findings"]),
		);
	});
});

describe("a run is resumable", () => {
	/** An env whose D1 fails its `n`-th batch (1-based) and answers everything else: a step that dies midway. */
	function failingBatch(n: number): Env {
		let calls = 0;
		const db = new Proxy(env.DB, {
			get(target, prop) {
				const value = Reflect.get(target, prop, target);
				if (prop !== "batch" || typeof value !== "function") {
					return typeof value === "function" ? value.bind(target) : value;
				}
				return (statements: D1PreparedStatement[]) => {
					calls += 1;
					if (calls === n) return Promise.reject(new Error("D1 went away"));
					return Reflect.apply(value, target, [statements]);
				};
			},
		});
		return { ...env, DB: db };
	}

	it("goes on after steps that died midway or ran twice, and reaches the result an uninterrupted run reaches", async () => {
		for (const name of ["rs-a", "rs-b", "rs-c", "rs-d", "rs-e"]) {
			await deploy(name, { modules: [{ name: "index.js", body: workerSource(name) }] });
		}
		await env.DB.prepare("UPDATE workers SET deployment_count = 7 WHERE name IN ('rs-b', 'rs-e')").run();
		const vars = { ...env, SHIPLOG_AUDIT_BATCH_WORKERS: "2" } as Env;
		const { run } = await startRun(vars, systemDeps, "interrupted");
		const workers = run.workers_total;

		await stepRun(vars, systemDeps, run.id);
		// A step that dies while reading, and one that dies while committing: neither leaves a trace.
		await expect(stepRun({ ...failingBatch(1), SHIPLOG_AUDIT_BATCH_WORKERS: "2" }, systemDeps, run.id)).rejects.toThrow(
			"D1 went away",
		);
		await expect(stepRun({ ...failingBatch(2), SHIPLOG_AUDIT_BATCH_WORKERS: "2" }, systemDeps, run.id)).rejects.toThrow(
			"D1 went away",
		);
		expect((await getRun(env.DB, run.id))?.steps).toBe(1);
		// The same step delivered twice at once (an alarm retried) lands once.
		await Promise.all([stepRun(vars, systemDeps, run.id), stepRun(vars, systemDeps, run.id)]);
		expect((await getRun(env.DB, run.id))?.steps).toBe(2);

		const interrupted = await runToCompletion(vars, systemDeps, run.id);
		expect(interrupted.workers_checked).toBe(workers);
		expect(interrupted.counts.checks.consistency).toEqual({ examined: workers, found: 4 });
		const opened = await openFindings();
		expect(opened.filter((f) => f.worker === "rs-b" || f.worker === "rs-e")).toHaveLength(4);
		expect(interrupted.findings_opened).toBe(opened.length);

		// An uninterrupted run over the same state sees exactly the same: nothing opens, nothing closes.
		const straight = await auditNow({ vars: { SHIPLOG_AUDIT_BATCH_WORKERS: "2" } });
		expect(straight.findings_opened).toBe(0);
		expect(straight.findings_closed).toBe(0);
		expect(straight.counts.checks).toEqual(interrupted.counts.checks);
		expect(await openFindings()).toEqual(opened);
	});
});

describe("scale", () => {
	it("keeps every step far inside the Workers subrequest limit, whatever the number of Workers", async () => {
		const template = await deploy("sc-template", { modules: [{ name: "index.js", body: workerSource("scale") }] });
		const version = JSON.stringify(template.version.modules);
		// 150 Workers written straight to D1 (one version, one deployment each); their coordinators start from D1.
		await env.DB.prepare(
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
			 INSERT INTO workers (name, created_on, updated_on, active_deployment_id, version_count, deployment_count)
			 SELECT printf('sc-%03d', i), '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', printf('sc-d-%03d', i), 1, 1 FROM n`,
		).run();
		await env.DB.prepare(
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
			 INSERT INTO versions (id, worker, number, created_on, author_id, author_email, source, triggered_by, main_module,
			   modules, bindings, compatibility_flags, usage_model)
			 SELECT printf('sc-v-%03d', i), printf('sc-%03d', i), 1, '2026-11-01T00:00:00.000Z', 'b', 'b@b', 'api', 'upload',
			   'index.js', ?1, '[]', '[]', 'standard' FROM n`,
		)
			.bind(version)
			.run();
		await env.DB.prepare(
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
			 INSERT INTO deployments (id, worker, number, created_on, author_id, author_email, source, triggered_by, versions)
			 SELECT printf('sc-d-%03d', i), printf('sc-%03d', i), 1, '2026-11-01T00:00:00.000Z', 'b', 'b@b', 'api', 'upload',
			   json_array(json_object('version_id', printf('sc-v-%03d', i), 'percentage', 100)) FROM n`,
		).run();

		const run = await auditNow({ vars: { SHIPLOG_AUDIT_BATCH_WORKERS: "50" } });
		expect(run.workers_checked).toBeGreaterThanOrEqual(151);
		expect((await openFindings()).filter((f) => f.worker.startsWith("sc-"))).toEqual([]);
		// Per step: a D1 batch for the facts, two coordinator calls per Worker, a few queries and the commit.
		expect(run.counts.subrequests.max_per_step).toBeLessThanOrEqual(2 * 50 + 20);
		expect(run.counts.subrequests.max_per_step).toBeGreaterThan(100);
	});
});

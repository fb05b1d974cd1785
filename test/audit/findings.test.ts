import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Finding, Observation } from "../../src/audit/model";
import { reconcile } from "../../src/audit/reconcile";
import { auditNow, daysFromNow, openFindings, recordingNotifier } from "../fixtures/audit";
import { deploy, patchJson, uploadVersion, workerSource } from "../helpers";

/** A finding's life: opened once, kept quietly while it holds, closed (once) by the run that no longer sees it. */

async function splitRollout(worker: string) {
	const first = await deploy(worker, { modules: [{ name: "index.js", body: workerSource(`${worker} one`) }] });
	const second = await uploadVersion(worker, { modules: [{ name: "index.js", body: workerSource(`${worker} two`) }] });
	const res = await patchJson(
		`/v1/workers/${worker}/deployments`,
		{
			versions: [
				{ version_id: first.version.id, percentage: 50 },
				{ version_id: second.version.id, percentage: 50 },
			],
		},
		"POST",
	);
	expect(res.status).toBe(201);
	return second.version.id;
}

describe("the life of a finding", () => {
	it("opens once, persists across runs without notifying again, and closes with one notification", async () => {
		const second = await splitRollout("lf-split");
		const listener = recordingNotifier();
		const late = daysFromNow(2);

		const first = await auditNow({ deps: late, notify: listener.notify });
		expect(listener.about("lf-split").map((t) => t.event)).toEqual(["finding.opened"]);
		const [opened] = await openFindings("lf-split");
		expect(opened?.opened_run).toBe(first.id);
		expect(first.findings_opened).toBeGreaterThanOrEqual(1);

		for (let i = 0; i < 3; i++) await auditNow({ deps: late, notify: listener.notify });
		expect(listener.about("lf-split").map((t) => t.event)).toEqual(["finding.opened"]);
		const [still] = await openFindings("lf-split");
		expect(still?.opened_run).toBe(first.id);
		const row = await env.DB.prepare(
			"SELECT count(*) AS n, max(last_seen_run) AS seen FROM audit_findings WHERE worker = 'lf-split'",
		).first<{ n: number; seen: string }>();
		expect(row?.n).toBe(1);

		await patchJson(
			"/v1/workers/lf-split/deployments",
			{ versions: [{ version_id: second, percentage: 100 }] },
			"POST",
		);
		const closing = await auditNow({ deps: late, notify: listener.notify });
		expect(listener.about("lf-split").map((t) => t.event)).toEqual(["finding.opened", "finding.closed"]);
		expect(listener.about("lf-split")[1]?.run_id).toBe(closing.id);
		expect(await openFindings("lf-split")).toEqual([]);
		expect(closing.findings_closed).toBeGreaterThanOrEqual(1);

		await auditNow({ deps: late, notify: listener.notify });
		expect(listener.about("lf-split")).toHaveLength(2);
	});

	it("opens a new finding when the same problem comes back after it closed", async () => {
		await splitRollout("lf-again");
		await auditNow({ deps: daysFromNow(2) });
		await auditNow({ deps: daysFromNow(0) });
		expect(await openFindings("lf-again")).toEqual([]);
		await auditNow({ deps: daysFromNow(2) });
		const rows = await env.DB.prepare(
			"SELECT id, closed_on FROM audit_findings WHERE worker = 'lf-again' ORDER BY seq",
		).all<{ id: string; closed_on: string | null }>();
		expect(rows.results).toHaveLength(2);
		expect(rows.results[0]?.closed_on).not.toBeNull();
		expect(rows.results[1]?.closed_on).toBeNull();
	});

	it("notifies transitions a failed notifier missed on the next run, once", async () => {
		await splitRollout("lf-outbox");
		const failing = async () => {
			throw new Error("webhook endpoint down");
		};
		await auditNow({ deps: daysFromNow(2), notify: failing });
		const pending = await env.DB.prepare(
			"SELECT count(*) AS n FROM audit_findings WHERE worker = 'lf-outbox' AND open_notified_on IS NULL",
		).first<{ n: number }>();
		expect(pending?.n).toBe(1);

		const listener = recordingNotifier();
		await auditNow({ deps: daysFromNow(2), notify: listener.notify });
		await auditNow({ deps: daysFromNow(2), notify: listener.notify });
		expect(listener.about("lf-outbox").map((t) => t.event)).toEqual(["finding.opened"]);
	});
});

describe("reconcile", () => {
	const seen = (worker: string, subject: string): Observation => ({
		check: "integrity",
		worker,
		subject,
		severity: "warning",
		message: "m",
	});
	const open = (worker: string, subject: string, id: string): Finding => ({
		...seen(worker, subject),
		id,
		details: {},
		opened_on: "t",
		opened_run: "r",
		last_seen_on: "t",
		last_seen_run: "r",
		closed_on: null,
		closed_run: null,
	});

	it("closes only findings inside what was examined", () => {
		const result = reconcile(
			[open("a", "module:1", "f1"), open("a", "module:2", "f2")],
			[],
			[{ check: "integrity", subject: "module:1" }],
		);
		expect(result.closed.map((f) => f.id)).toEqual(["f1"]);
		expect(result.opened).toEqual([]);
	});

	it("keeps what is seen again and opens what is new", () => {
		const result = reconcile(
			[open("a", "module:1", "f1")],
			[seen("a", "module:1"), seen("b", "module:1")],
			[{ check: "integrity", subject: "module:1" }],
		);
		expect(result.persisting.map((p) => p.finding.id)).toEqual(["f1"]);
		expect(result.opened.map((o) => o.worker)).toEqual(["b"]);
		expect(result.closed).toEqual([]);
	});

	it("refuses an observation outside what the step says it examined", () => {
		expect(() => reconcile([], [seen("a", "module:1")], [{ check: "integrity", worker: "b" }])).toThrow(/outside/);
	});
});

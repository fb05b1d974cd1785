import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWorkerInvariants } from "../../src/audit/invariants";
import { prunableVersions } from "../../src/core/retention";
import { revealSecrets } from "../../src/secrets/reveal";
import { coordinatorFor } from "../../src/services/coordinator";
import { moduleKey } from "../../src/storage/modules";
import { getVersion } from "../../src/storage/versions";
import { auditNow, daysFromNow, openFindings } from "../fixtures/audit";
import { api, deploy, json, patchJson, uploadVersion, workerSource } from "../helpers";

/**
 * Retention (SHIPLOG_RETENTION_DAYS) prunes versions nobody can need, through each Worker's coordinator, keeps
 * the deployments that used them as the log's metadata, and leaves their bodies to the collector.
 */

const deployText = (name: string, text: string, bindings: unknown[] = []) =>
	deploy(name, { modules: [{ name: "index.js", body: workerSource(text) }], metadata: { bindings } });

const retention = { SHIPLOG_RETENTION_DAYS: "30", SHIPLOG_ROLLBACK_WINDOW: "2" };
const exists = async (sha: string) => (await env.MODULES.head(moduleKey(sha))) !== null;

describe("the retention rule", () => {
	const v = (number: number, created_on: string) => ({ id: `v${number}`, number, created_on });
	it("keeps the rollback window, what recent or active deployments use, and anything made within retention", () => {
		const versions = [
			v(1, "2026-01-01"),
			v(2, "2026-01-02"),
			v(3, "2026-01-03"),
			v(4, "2026-06-01"),
			v(5, "2026-06-02"),
		];
		expect(
			prunableVersions(
				versions,
				{ latest_version_number: 7, used: new Set(["v2"]) },
				{ cutoff: "2026-05-01", window: 3 },
			),
		).toEqual(["v1", "v3"]);
	});
});

describe("pruning", () => {
	it("prunes old versions and keeps the window, the active deployment's version, and the log of deployments", async () => {
		const v1 = await deployText("rt-prune", "one", [{ name: "S", type: "secret_text", text: "old" }]);
		const v2 = await deployText("rt-prune", "two", [{ name: "S", type: "secret_text", text: "kept" }]);
		const v3 = await deployText("rt-prune", "three", [{ name: "S", type: "secret_text", text: "kept" }]);
		const v4 = await deployText("rt-prune", "four", [{ name: "S", type: "secret_text", text: "kept" }]);
		// v2 goes back to serving: the active deployment keeps it whatever its age.
		const rollback = await patchJson(
			"/v1/workers/rt-prune/rollback",
			{ version_id: v2.version.id, force: true },
			"POST",
		);
		expect(rollback.status).toBe(201);
		const oneSha = v1.version.modules[0]?.sha256 ?? "";

		const nothingYet = await auditNow({ vars: retention });
		expect(nothingYet.counts.retention).toMatchObject({ versions_pruned: 0 });
		const run = await auditNow({ vars: retention, deps: daysFromNow(31) });
		expect(run.counts.retention).toMatchObject({ versions_pruned: 1, workers_pruned: 1 });

		expect(await getVersion(env.DB, "rt-prune", v1.version.id)).toBeNull();
		for (const kept of [v2, v3, v4]) expect(await getVersion(env.DB, "rt-prune", kept.version.id)).not.toBeNull();
		const deployments = await json(await api("/v1/workers/rt-prune/deployments?limit=100"));
		expect(deployments.items).toHaveLength(5);
		expect(deployments.items.at(-1).versions[0].version_id).toBe(v1.version.id);

		// The log's numbers still add up, the coordinator agrees, and nothing is reported.
		expect(await checkWorkerInvariants(env, "rt-prune")).toEqual([]);
		expect((await openFindings("rt-prune")).filter((f) => f.check_name === "consistency")).toEqual([]);
		// The value only v1 used is gone; those of the versions kept are still there and readable.
		const secrets = await env.DB.prepare("SELECT count(*) AS n FROM secret_values WHERE worker = 'rt-prune'").first<{
			n: number;
		}>();
		expect(secrets?.n).toBe(3);
		const v2Now = await getVersion(env.DB, "rt-prune", v2.version.id);
		expect(v2Now && (await revealSecrets(env, v2Now))).toEqual({ S: "kept" });
		// Its body is no longer referenced: marked now, collected after the grace period.
		expect(await exists(oneSha)).toBe(true);
		await auditNow({ vars: retention, deps: daysFromNow(40) });
		expect(await exists(oneSha)).toBe(false);
		expect(await exists(v2.version.modules[0]?.sha256 ?? "")).toBe(true);
	});

	it("answers for a pruned version with 404 version_pruned, and its deployments stay readable", async () => {
		const old = await deployText("rt-gone", "one");
		await deployText("rt-gone", "two");
		await deployText("rt-gone", "three");
		await auditNow({ vars: retention, deps: daysFromNow(31) });

		const res = await api(`/v1/workers/rt-gone/versions/${old.version.id}`);
		expect(res.status).toBe(404);
		const body = await json(res);
		expect(body.error.details).toMatchObject({ reason: "version_pruned", number: 1 });
		expect(body.error.message).toContain("pruned");
		expect((await api(`/v1/workers/rt-gone/versions/${old.version.id}/modules/index.js`)).status).toBe(404);
		expect((await api(`/v1/workers/rt-gone/deployments/${old.deployment.id}`)).status).toBe(200);
		const diff = await api(`/v1/workers/rt-gone/diff?from=${old.deployment.id}&to=${old.version.id}`);
		expect(diff.status).toBe(404);
		expect((await json(diff)).error.details.reason).toBe("version_pruned");
		const candidates = await json(await api("/v1/workers/rt-gone/rollback-candidates"));
		expect(candidates.items.map((c: { version: { number: number } }) => c.version.number)).toEqual([3, 2]);
	});

	it("makes a pruned version undeployable even where the coordinator had it in memory", async () => {
		const old = await deployText("rt-cache", "one");
		const mid = await uploadVersion("rt-cache", { modules: [{ name: "index.js", body: workerSource("two") }] });
		await deployText("rt-cache", "three");
		// The coordinator read the old version for this deployment, so it holds it in memory.
		const split = await patchJson(
			"/v1/workers/rt-cache/deployments",
			{
				versions: [
					{ version_id: old.version.id, percentage: 10 },
					{ version_id: mid.version.id, percentage: 90 },
				],
			},
			"POST",
		);
		expect(split.status).toBe(201);
		await deployText("rt-cache", "four");
		await deployText("rt-cache", "five");
		const run = await auditNow({ vars: retention, deps: daysFromNow(31) });
		expect(run.counts.retention?.versions_pruned).toBeGreaterThanOrEqual(2);

		const again = await patchJson(
			"/v1/workers/rt-cache/deployments",
			{
				versions: [
					{ version_id: old.version.id, percentage: 10 },
					{ version_id: mid.version.id, percentage: 90 },
				],
			},
			"POST",
		);
		expect(again.status).toBe(404);
		expect(await checkWorkerInvariants(env, "rt-cache")).toEqual([]);
	});

	it("keeps every version with SHIPLOG_RETENTION_DAYS empty (the default)", async () => {
		await deployText("rt-off", "one");
		await deployText("rt-off", "two");
		await deployText("rt-off", "three");
		const run = await auditNow({ vars: { SHIPLOG_ROLLBACK_WINDOW: "1" }, deps: daysFromNow(3650) });
		expect(run.counts.retention).toBeUndefined();
		expect((await json(await api("/v1/workers/rt-off/versions"))).items).toHaveLength(3);
	});

	it("prunes through the coordinator: its counters stay D1's", async () => {
		await deployText("rt-coord", "one");
		await deployText("rt-coord", "two");
		await deployText("rt-coord", "three");
		const stub = coordinatorFor(env, "rt-coord");
		const before = await stub.counters("rt-coord");
		const pruned = await stub.prune({
			worker: "rt-coord",
			at: new Date().toISOString(),
			cutoff: new Date(Date.now() + 86_400_000).toISOString(),
			window: 1,
			limit: 10,
		});
		expect(pruned).toEqual({ ok: true, value: { pruned: 2, more: false } });
		expect(await stub.counters("rt-coord")).toEqual(before);
		expect((await deployText("rt-coord", "four")).version.number).toBe(4);
	});
});

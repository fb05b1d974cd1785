import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { keyRing } from "../../src/secrets/key-ring";
import { resealSecrets } from "../../src/secrets/reseal";
import { moduleKey } from "../../src/storage/modules";
import { auditNow, daysFromNow, openFindings } from "../fixtures/audit";
import { api, deploy, json, patchJson, uploadVersion, workerSource } from "../helpers";

/** Every check fires on a Worker broken the way it looks for, and its finding closes once the Worker is fixed. */

const deployText = (name: string, text: string, metadata: Record<string, unknown> = {}) =>
	deploy(name, { modules: [{ name: "index.js", body: workerSource(text) }], metadata });

async function findingsOf(worker: string, check: string) {
	return (await openFindings(worker)).filter((f) => f.check_name === check);
}

describe("consistency", () => {
	it("reports numbers that are not contiguous and a coordinator that disagrees with D1, and closes when repaired", async () => {
		await deployText("au-cons", "one");
		await auditNow();
		expect(await openFindings("au-cons")).toEqual([]);

		await env.DB.prepare("UPDATE workers SET deployment_count = deployment_count + 1 WHERE name = 'au-cons'").run();
		await auditNow();
		const found = await findingsOf("au-cons", "consistency");
		expect(found.map((f) => f.subject).sort()).toEqual(["coordinator", "deployment_numbers"]);
		expect(found.every((f) => f.severity === "critical")).toBe(true);

		await env.DB.prepare("UPDATE workers SET deployment_count = deployment_count - 1 WHERE name = 'au-cons'").run();
		await auditNow();
		expect(await findingsOf("au-cons", "consistency")).toEqual([]);
	});
});

describe("drift", () => {
	it("reports an edge that serves another deployment than the log's, until the coordinator catches up", async () => {
		const first = await deployText("au-drift", "one");
		// A second deployment written to D1 behind the coordinator's back: the edge still serves the first.
		const id = "00000000-0000-4000-8000-00000000d71f";
		await env.DB.batch([
			env.DB.prepare(
				`INSERT INTO deployments (id, worker, number, created_on, author_id, author_email, source, triggered_by, versions)
				 VALUES (?1, 'au-drift', 2, ?2, 'x', 'x@x', 'api', 'deployment', ?3)`,
			).bind(id, new Date().toISOString(), JSON.stringify([{ version_id: first.version.id, percentage: 100 }])),
			env.DB.prepare("UPDATE workers SET deployment_count = 2, active_deployment_id = ?1 WHERE name = 'au-drift'").bind(
				id,
			),
		]);
		await auditNow();
		const [drift] = await findingsOf("au-drift", "drift");
		expect(drift).toMatchObject({ subject: "edge", severity: "critical" });
		expect(drift?.message).toContain(`serves deployment ${first.deployment.id}`);

		// The next change through the coordinator finds D1 moved on, takes D1's counters and publishes its own.
		await deployText("au-drift", "two");
		await auditNow();
		expect(await findingsOf("au-drift", "drift")).toEqual([]);
		expect(await findingsOf("au-drift", "consistency")).toEqual([]);
	});
});

describe("integrity", () => {
	it("reports a corrupt body of the active deployment (critical) and a missing body of an older version (warning)", async () => {
		const old = await deployText("au-int", "integrity-one");
		const live = await deployText("au-int", "integrity-two");
		const oldSha = old.version.modules[0]?.sha256 ?? "";
		const liveSha = live.version.modules[0]?.sha256 ?? "";
		await env.MODULES.delete(moduleKey(oldSha));
		await env.MODULES.put(moduleKey(liveSha), "export default {} // not what was uploaded");
		await auditNow();
		const found = await findingsOf("au-int", "integrity");
		expect(found).toContainEqual(
			expect.objectContaining({
				subject: `module:${oldSha}`,
				severity: "warning",
				message: expect.stringContaining("missing"),
			}),
		);
		expect(found).toContainEqual(
			expect.objectContaining({
				subject: `module:${liveSha}`,
				severity: "critical",
				message: expect.stringContaining("corrupt"),
			}),
		);

		// Restored: the missing body by uploading the same code again, the corrupt one by deleting it first.
		await env.MODULES.delete(moduleKey(liveSha));
		await uploadVersion("au-int", { modules: [{ name: "index.js", body: workerSource("integrity-one") }] });
		await uploadVersion("au-int", { modules: [{ name: "index.js", body: workerSource("integrity-two") }] });
		await auditNow();
		expect(await findingsOf("au-int", "integrity")).toEqual([]);
	});

	it("a body with R2's own SHA-256 for other bytes is corrupt even if its bytes were never read wrong", async () => {
		const live = await deployText("au-int-sum", "checksum");
		const sha = live.version.modules[0]?.sha256 ?? "";
		const other = new TextEncoder().encode("other bytes");
		const otherSha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", other))]
			.map((b) => b.toString(16).padStart(2, "0"))
			.join("");
		await env.MODULES.put(moduleKey(sha), other, { sha256: otherSha });
		await auditNow();
		expect(await findingsOf("au-int-sum", "integrity")).toEqual([
			expect.objectContaining({ subject: `module:${sha}`, message: expect.stringContaining("corrupt") }),
		]);
	});
});

describe("stale rollouts", () => {
	it("reports a split left longer than SHIPLOG_AUDIT_STALE_ROLLOUT_SECONDS, and closes when the rollout finishes", async () => {
		const first = await deployText("au-split", "one");
		const second = await uploadVersion("au-split", { modules: [{ name: "index.js", body: workerSource("two") }] });
		const split = await patchJson(
			"/v1/workers/au-split/deployments",
			{
				versions: [
					{ version_id: first.version.id, percentage: 90 },
					{ version_id: second.version.id, percentage: 10 },
				],
			},
			"POST",
		);
		expect(split.status).toBe(201);
		const splitId = (await json(split)).id;

		await auditNow({ deps: daysFromNow(0.5) });
		expect(await findingsOf("au-split", "stale_rollouts")).toEqual([]);
		await auditNow({ deps: daysFromNow(1.5) });
		expect(await findingsOf("au-split", "stale_rollouts")).toEqual([
			expect.objectContaining({ subject: `deployment:${splitId}`, severity: "warning" }),
		]);
		// A shorter limit, configured: reported at once.
		await auditNow({ vars: { SHIPLOG_AUDIT_STALE_ROLLOUT_SECONDS: "0" } });
		expect(await findingsOf("au-split", "stale_rollouts")).toHaveLength(1);

		const promoted = await patchJson(
			"/v1/workers/au-split/deployments",
			{ versions: [{ version_id: second.version.id, percentage: 100 }] },
			"POST",
		);
		expect(promoted.status).toBe(201);
		await auditNow({ deps: daysFromNow(1.5) });
		expect(await findingsOf("au-split", "stale_rollouts")).toEqual([]);
	});
});

describe("rollback readiness", () => {
	it("reports a Worker whose every rollback candidate is refused, by the same rule rollbacks use", async () => {
		await deployText("au-ready", "one", { bindings: [{ name: "DB", type: "d1", database_id: "au-ready-db" }] });
		await deployText("au-ready", "two");
		await auditNow();
		const [finding] = await findingsOf("au-ready", "rollback_readiness");
		expect(finding).toMatchObject({ subject: "no_target", severity: "warning" });
		expect(finding?.message).toContain("d1_binding");
		// The candidates list agrees: nothing eligible.
		const candidates = await json(await api("/v1/workers/au-ready/rollback-candidates"));
		expect(candidates.items.filter((c: { eligible_with_force: boolean }) => c.eligible_with_force)).toEqual([]);

		// Allowing D1 rollbacks makes version 1 a target again: the finding closes.
		await auditNow({ vars: { SHIPLOG_ROLLBACK_ALLOW_D1: "true" } });
		expect(await findingsOf("au-ready", "rollback_readiness")).toEqual([]);
	});

	it("counts a target that needs force (only secrets changed) as a target", async () => {
		await deployText("au-ready-force", "one", { bindings: [{ name: "K", type: "secret_text", text: "a" }] });
		await deployText("au-ready-force", "two", { bindings: [{ name: "K", type: "secret_text", text: "b" }] });
		await auditNow();
		expect(await findingsOf("au-ready-force", "rollback_readiness")).toEqual([]);
	});

	it("does not report a Worker with one version: there is nothing to roll back to, and nothing to fix", async () => {
		await deployText("au-ready-one", "one");
		await auditNow();
		expect(await findingsOf("au-ready-one", "rollback_readiness")).toEqual([]);
	});

	it("reports a Worker whose newest target is older than SHIPLOG_AUDIT_ROLLBACK_TARGET_MAX_AGE_DAYS", async () => {
		await deployText("au-ready-old", "one");
		await deployText("au-ready-old", "two");
		await auditNow({ deps: daysFromNow(29) });
		expect(await findingsOf("au-ready-old", "rollback_readiness")).toEqual([]);
		await auditNow({ deps: daysFromNow(31) });
		expect(await findingsOf("au-ready-old", "rollback_readiness")).toEqual([
			expect.objectContaining({ subject: "old_target", message: expect.stringContaining("version 1") }),
		]);
		await auditNow({ deps: daysFromNow(31), vars: { SHIPLOG_AUDIT_ROLLBACK_TARGET_MAX_AGE_DAYS: "" } });
		expect(await findingsOf("au-ready-old", "rollback_readiness")).toEqual([]);
	});
});

describe("secrets", () => {
	it("reports values sealed with a retired key (per key), and closes once the cron has re-sealed them", async () => {
		const deployed = await deployText("au-sec", "one", {
			bindings: [
				{ name: "A", type: "secret_text", text: "a" },
				{ name: "B", type: "secret_text", text: "b" },
			],
		});
		const refs = deployed.version.bindings.map((b) => b.name);
		expect(refs).toEqual(["A", "B"]);
		// Key rotation: a new current key, the old one retired; the values were sealed by the old one.
		const oldKey = await keyRing(env);
		const NEW_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(3)));
		const rotated = { SHIPLOG_SECRETS_KEY: NEW_KEY, SHIPLOG_SECRETS_KEYS_RETIRED: env.SHIPLOG_SECRETS_KEY };
		await auditNow({ vars: rotated });
		expect(await findingsOf("au-sec", "secrets")).toEqual([
			expect.objectContaining({
				subject: `key:${oldKey.current.id}`,
				severity: "warning",
				message: expect.stringContaining("A, B"),
			}),
		]);
		// The cron's re-seal puts them under the new key; the next run closes the finding.
		expect((await resealSecrets({ ...env, ...rotated } as Env)).resealed).toBeGreaterThanOrEqual(2);
		await auditNow({ vars: rotated });
		expect(await findingsOf("au-sec", "secrets")).toEqual([]);
	});

	it("reports secrets not rotated for SHIPLOG_AUDIT_SECRET_MAX_AGE_DAYS only when that is set", async () => {
		await deployText("au-sec-age", "one", { bindings: [{ name: "TOKEN", type: "secret_text", text: "t" }] });
		await auditNow({ deps: daysFromNow(400) });
		expect(await findingsOf("au-sec-age", "secrets")).toEqual([]);
		await auditNow({ deps: daysFromNow(91), vars: { SHIPLOG_AUDIT_SECRET_MAX_AGE_DAYS: "90" } });
		expect(await findingsOf("au-sec-age", "secrets")).toEqual([
			expect.objectContaining({ subject: "age:TOKEN", severity: "info" }),
		]);
		const put = await patchJson("/v1/workers/au-sec-age/secrets/TOKEN", { value: "rotated" }, "PUT");
		expect(put.status).toBe(201);
		await auditNow({ deps: daysFromNow(1), vars: { SHIPLOG_AUDIT_SECRET_MAX_AGE_DAYS: "90" } });
		expect(await findingsOf("au-sec-age", "secrets")).toEqual([]);
	});
});

describe("resources", () => {
	it("reports an active binding to a deleted resource (critical), and closes when the resource is back", async () => {
		await deployText("au-res", "one", {
			bindings: [{ name: "CACHE", type: "kv_namespace", namespace_id: "au-res-kv" }],
		});
		await auditNow();
		expect(await findingsOf("au-res", "resources")).toEqual([]);
		expect((await api("/v1/resources/kv_namespace/au-res-kv?force=true", { method: "DELETE" })).status).toBe(200);
		await auditNow();
		expect(await findingsOf("au-res", "resources")).toEqual([
			expect.objectContaining({ subject: "binding:CACHE:kv_namespace:au-res-kv", severity: "critical" }),
		]);
		const back = await patchJson("/v1/resources", { type: "kv_namespace", id: "au-res-kv" }, "POST");
		expect(back.status).toBe(200);
		await auditNow();
		expect(await findingsOf("au-res", "resources")).toEqual([]);
	});

	it("reports a registered resource that no Worker's active deployment binds, and closes when one binds it or it is deleted", async () => {
		expect((await patchJson("/v1/resources", { type: "r2_bucket", id: "au-orphan" }, "POST")).status).toBe(201);
		await auditNow();
		const account = async () => (await findingsOf("", "resources")).filter((f) => f.subject.includes("au-orphan"));
		expect(await account()).toEqual([
			expect.objectContaining({ subject: "unbound:r2_bucket:au-orphan", severity: "info" }),
		]);

		await deployText("au-res-binds", "one", { bindings: [{ name: "B", type: "r2_bucket", bucket_name: "au-orphan" }] });
		await auditNow();
		expect(await account()).toEqual([]);

		await deployText("au-res-binds", "two");
		await auditNow();
		expect(await account()).toHaveLength(1);
		expect((await api("/v1/resources/r2_bucket/au-orphan", { method: "DELETE" })).status).toBe(200);
		await auditNow();
		expect(await account()).toEqual([]);
	});
});

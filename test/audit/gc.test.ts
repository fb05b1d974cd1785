import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { singleKeyring } from "../../src/audit/checks/secrets";
import { auditConfig } from "../../src/audit/config";
import type { AuditRun } from "../../src/audit/model";
import { gcMarkStep, gcSweepStep } from "../../src/audit/phase-gc";
import type { StepContext } from "../../src/audit/step";
import { sha256Hex } from "../../src/core/hash";
import { systemDeps } from "../../src/deps/deps";
import { uploadWorker } from "../../src/services/upload-service";
import { pinBodies } from "../../src/storage/module-gc";
import { moduleKey } from "../../src/storage/modules";
import { auditNow, daysFromNow } from "../fixtures/audit";
import { serviceContext } from "../fixtures/context";
import { api, BASE, deploy, patchJson, uploadForm, workerSource } from "../helpers";

/**
 * Garbage collection of module bodies: what no version references goes after the grace period, and a body an
 * upload relies on is never lost, however the upload and the sweep interleave (docs/storage-layout.md).
 */

const exists = async (sha: string) => (await env.MODULES.head(moduleKey(sha))) !== null;

async function refusedUpload(worker: string, text: string): Promise<string> {
	// A deploy that binds a deleted resource is refused after its bodies are stored: it leaves an orphan.
	await patchJson("/v1/resources", { type: "queue", id: `${worker}-q` }, "POST");
	await api(`/v1/resources/queue/${worker}-q`, { method: "DELETE" });
	const res = await api(`/v1/workers/${worker}`, {
		method: "PUT",
		body: uploadForm({
			modules: [{ name: "index.js", body: text }],
			metadata: { bindings: [{ name: "Q", type: "queue", queue_name: `${worker}-q` }] },
		}),
	});
	expect(res.status).toBe(422);
	return sha256Hex(text);
}

describe("mark and sweep", () => {
	it("deletes a body no version references once it has been unreferenced for the grace period, and nothing else", async () => {
		const kept = await deploy("gc-kept", { modules: [{ name: "index.js", body: workerSource("kept") }] });
		const keptSha = kept.version.modules[0]?.sha256 ?? "";
		const orphan = await refusedUpload("gc-refused", workerSource("refused"));
		expect(await exists(orphan)).toBe(true);

		const marking = await auditNow();
		expect(marking.counts.gc).toMatchObject({ marked: 1, deleted: 0 });
		await auditNow({ deps: daysFromNow(6) });
		expect(await exists(orphan)).toBe(true);

		const sweeping = await auditNow({ deps: daysFromNow(8) });
		expect(sweeping.counts.gc?.deleted).toBe(1);
		expect(await exists(orphan)).toBe(false);
		expect(await exists(keptSha)).toBe(true);
		// Nothing left marked: the next run has nothing to do.
		expect((await auditNow({ deps: daysFromNow(9) })).counts.gc).toMatchObject({ marked: 0, deleted: 0 });
	});

	it("never deletes anything with SHIPLOG_GC_GRACE_DAYS empty", async () => {
		const orphan = await refusedUpload("gc-off", workerSource("gc off"));
		const run = await auditNow({ deps: daysFromNow(30), vars: { SHIPLOG_GC_GRACE_DAYS: "" } });
		expect(run.counts.gc).toBeUndefined();
		expect(await exists(orphan)).toBe(true);
	});

	it("spares a body that an upload has pinned, until the pin expires", async () => {
		const orphan = await refusedUpload("gc-pinned", workerSource("pinned"));
		await auditNow();
		await auditNow({ deps: daysFromNow(8) });
		expect(await exists(orphan)).toBe(false);

		await env.MODULES.put(moduleKey(orphan), workerSource("pinned"), { sha256: orphan });
		expect(await pinBodies(env.DB, [orphan], new Date().toISOString())).toBe(true);
		const vars = { SHIPLOG_GC_GRACE_DAYS: "0" };
		await auditNow({ vars });
		await auditNow({ vars });
		expect(await exists(orphan)).toBe(true);
		await auditNow({ vars, deps: daysFromNow(1.1) });
		await auditNow({ vars, deps: daysFromNow(1.1) });
		expect(await exists(orphan)).toBe(false);
	});

	it("refuses an upload of a body being deleted (503, nothing recorded); the upload succeeds once the sweep is over", async () => {
		const text = workerSource("condemned");
		const sha = await refusedUpload("gc-condemned", text);
		await env.DB.prepare("INSERT INTO module_gc (sha256, unreferenced_since, condemned_on) VALUES (?1, ?2, ?2)")
			.bind(sha, new Date().toISOString())
			.run();
		const refused = await api("/v1/workers/gc-condemned", {
			method: "PUT",
			body: uploadForm({ modules: [{ name: "index.js", body: text }] }),
		});
		expect(refused.status).toBe(503);
		expect(refused.headers.get("retry-after")).toBe("2");
		expect((await api("/v1/workers/gc-condemned")).status).toBe(404);

		// A collector that died after condemning: the next sweep finishes the deletion and lifts the condemnation.
		await auditNow({ deps: daysFromNow(0.01) });
		expect(await exists(sha)).toBe(false);
		const stored = await deploy("gc-condemned", { modules: [{ name: "index.js", body: text }] });
		expect(stored.version.modules[0]?.sha256).toBe(sha);
		expect(await exists(sha)).toBe(true);
	});
});

describe("uploads racing the sweep", () => {
	const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
	const jitter = (max: number) => sleep(Math.floor(Math.random() * max));

	/**
	 * An env whose R2 answers after a random pause, and whose puts return after a longer one: an upload then
	 * spends a while between learning that the body is in R2 and committing the version that names it, the
	 * window in which a collector that ignored pins would delete the body.
	 */
	function shaky(base: Env): Env {
		const bucket = base.MODULES;
		const slow = new Proxy(bucket, {
			get(t, prop) {
				const value = Reflect.get(t, prop, t);
				if (typeof value !== "function") return value;
				return async (...args: unknown[]) => {
					await jitter(4);
					const result = await Reflect.apply(value, t, args);
					await jitter(prop === "put" ? 80 : 4);
					return result;
				};
			},
		});
		return { ...base, MODULES: slow };
	}

	function collectorContext(): StepContext {
		const now = new Date();
		const run = {
			id: "race",
			cursor: null,
			counts: { checks: {}, subrequests: { max_per_step: 0, total: 0 } },
		} as unknown as AuditRun;
		return {
			env: shaky(env),
			deps: systemDeps,
			run,
			now,
			at: now.toISOString(),
			config: auditConfig({ ...env, SHIPLOG_GC_GRACE_DAYS: "0" }),
			keyring: singleKeyring,
		};
	}

	async function upload(worker: string, text: string): Promise<"stored" | "refused"> {
		await jitter(40);
		for (let attempt = 0; attempt < 20; attempt++) {
			const ctx = { ...serviceContext(), env: shaky(env) };
			try {
				await uploadWorker(ctx, {
					worker,
					request: new Request(`${BASE}/v1/workers/${worker}`, {
						method: "PUT",
						body: uploadForm({ modules: [{ name: "index.js", body: text }] }),
					}),
					deploy: true,
					bindingsInherit: "strict",
				});
				return "stored";
			} catch (error) {
				if (!String((error as Error).message).includes("garbage-collected")) throw error;
				await jitter(10);
			}
		}
		return "refused";
	}

	it("keeps a body that an upload found in R2 and has not committed yet, whatever the sweep does meanwhile", async () => {
		// The one interleaving that could lose a body: the upload learns the body is in R2 ("exists"), the collector
		// marks and sweeps, then the upload commits a version naming it. The upload's pin is what stops the sweep.
		const text = workerSource("gated");
		const sha = await sha256Hex(text);
		await env.MODULES.put(moduleKey(sha), text, { sha256: sha });
		await env.DB.prepare("INSERT INTO module_gc (sha256, unreferenced_since) VALUES (?1, '2000-01-01')")
			.bind(sha)
			.run();
		let reachedR2!: () => void;
		const atR2 = new Promise<void>((resolve) => {
			reachedR2 = resolve;
		});
		let release!: () => void;
		const gate = new Promise<void>((resolve) => {
			release = resolve;
		});
		const bucket = env.MODULES;
		const gated = new Proxy(bucket, {
			get(t, prop) {
				const value = Reflect.get(t, prop, t);
				if (prop !== "put" || typeof value !== "function") return typeof value === "function" ? value.bind(t) : value;
				return async (...args: unknown[]) => {
					const result = await Reflect.apply(value, t, args);
					reachedR2();
					await gate;
					return result;
				};
			},
		});
		const uploading = uploadWorker(
			{ ...serviceContext(), env: { ...env, MODULES: gated } },
			{
				worker: "gc-gated",
				request: new Request(`${BASE}/v1/workers/gc-gated`, {
					method: "PUT",
					body: uploadForm({ modules: [{ name: "index.js", body: text }] }),
				}),
				deploy: true,
				bindingsInherit: "strict",
			},
		);
		await atR2;
		await gcMarkStep(collectorContext());
		await gcSweepStep(collectorContext());
		release();
		const { value } = await uploading;
		expect(value.version.modules[0]?.sha256).toBe(sha);
		expect(await exists(sha)).toBe(true);
	});

	it("never leaves a version naming a body that is not in R2", async () => {
		let deletions = 0;
		let stored = 0;
		for (let round = 0; round < 16; round++) {
			// The same body, already in R2 and unreferenced (a refused upload left it), marked long ago.
			const text = workerSource(`race round ${round}`);
			const sha = await sha256Hex(text);
			await env.MODULES.put(moduleKey(sha), text, { sha256: sha });
			await env.DB.prepare("INSERT OR IGNORE INTO module_gc (sha256, unreferenced_since) VALUES (?1, '2000-01-01')")
				.bind(sha)
				.run();

			let uploading = true;
			const collector = (async () => {
				// In even rounds the collector starts before the uploads, in odd ones in the middle of them.
				await (round % 2 === 0 ? jitter(5) : sleep(40 + Math.random() * 160));
				while (uploading) {
					const swept = await gcSweepStep(collectorContext());
					deletions += swept.run.counts.gc?.deleted ?? 0;
					await gcMarkStep(collectorContext());
					await jitter(3);
				}
			})();
			const uploads = Promise.all([0, 1, 2, 3].map((k) => upload(`race-${round}-${k}`, text)));
			const outcomes = await uploads;
			uploading = false;
			await collector;
			stored += outcomes.filter((o) => o === "stored").length;

			const { results } = await env.DB.prepare("SELECT DISTINCT sha256 FROM module_refs").all<{ sha256: string }>();
			for (const { sha256 } of results) expect(await exists(sha256), `a version names ${sha256}`).toBe(true);
		}
		// The race was real: the collector did delete bodies, and uploads did commit, in the same rounds.
		expect(deletions).toBeGreaterThan(0);
		expect(stored).toBeGreaterThan(0);
	});
});

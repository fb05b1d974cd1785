import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WorkerCoordinator } from "../src/coordinator/worker-coordinator";
import { buildManifest, sha256Hex } from "../src/core/hash";
import type { Deployment, Version } from "../src/core/model";
import { coordinatorFor } from "../src/services/coordinator";
import {
	getActiveDeployment,
	getDeployment,
	insertDeployment,
	LIST_DEPLOYMENTS_SQL,
	listDeployments,
} from "../src/storage/deployments";
import { getModule, HEAD_FIRST_BYTES, moduleKey, putModule } from "../src/storage/modules";
import { decodeCursor, encodeCursor } from "../src/storage/pagination";
import { getVersion, insertVersion, listVersions } from "../src/storage/versions";
import { advanceWorker, getWorker, guardCounters, releaseGuard } from "../src/storage/workers";
import { auditNow, openFindings } from "./fixtures/audit";
import { aDeployment, aVersion } from "./fixtures/models";
import { deploy } from "./helpers";

const bytes = (s: string) => new TextEncoder().encode(s);
const version = (worker: string, number: number): Version =>
	aVersion(worker, number, {
		modules: [{ name: "index.js", content_type: "application/javascript+module", sha256: "ab", size: 1 }],
		bindings: [{ name: "A", type: "plain_text", text: "a" }],
	});

const deployment = (worker: string, number: number, versionId: string): Deployment =>
	aDeployment(worker, number, versionId, { message: "m" });

async function write(worker: string, n: number) {
	const v = version(worker, n);
	const d = deployment(worker, n, v.id);
	const db = env.DB;
	await db.batch([
		guardCounters(db, worker, { version_count: n - 1, deployment_count: n - 1 }),
		advanceWorker(db, {
			name: worker,
			now: v.created_on,
			next: { version_count: n, deployment_count: n, active_deployment_id: d.id },
		}),
		insertVersion(db, v),
		insertDeployment(db, d),
		releaseGuard(db),
	]);
	return { v, d };
}

describe("manifest and hashing", () => {
	it("hashes with SHA-256 in hex", async () => {
		expect(await sha256Hex(bytes("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	});

	it("records name, type, hash and size of each module, sorted by name", async () => {
		const manifest = await buildManifest([
			{ name: "b.js", contentType: "application/javascript+module", bytes: bytes("b") },
			{ name: "a.wasm", contentType: "application/wasm", bytes: new Uint8Array([0, 97, 115, 109]) },
		]);
		expect(manifest.map((m) => m.name)).toEqual(["a.wasm", "b.js"]);
		expect(manifest[1]).toEqual({
			name: "b.js",
			content_type: "application/javascript+module",
			sha256: await sha256Hex(bytes("b")),
			size: 1,
		});
	});
});

describe("R2 module store", () => {
	it("stores a body once under its hash and reports the second put as existing", async () => {
		const body = bytes("module body");
		const sha = await sha256Hex(body);
		expect(await putModule(env.MODULES, sha, body)).toBe("stored");
		expect(await putModule(env.MODULES, sha, body)).toBe("exists");
		expect(moduleKey(sha)).toBe(`modules/sha256/${sha}`);
		expect(await (await getModule(env.MODULES, sha))?.text()).toBe("module body");
	});

	it("stores a large body once too, and a second put of it leaves the stored object as it was", async () => {
		const body = new Uint8Array(HEAD_FIRST_BYTES + 1).fill(7);
		const sha = await sha256Hex(body);
		expect(await putModule(env.MODULES, sha, body)).toBe("stored");
		const first = await env.MODULES.head(moduleKey(sha));
		expect(await putModule(env.MODULES, sha, body)).toBe("exists");
		expect((await env.MODULES.head(moduleKey(sha)))?.etag).toBe(first?.etag);
	});

	it("refuses bytes that do not match the hash they are stored under", async () => {
		const sha = await sha256Hex(bytes("the real body"));
		await expect(putModule(env.MODULES, sha, bytes("something else"))).rejects.toThrow();
		expect(await getModule(env.MODULES, sha)).toBeNull();
	});
});

describe("D1 log storage", () => {
	it("round-trips versions and deployments through their row mappers", async () => {
		const { v, d } = await write("rows", 1);
		expect(await getVersion(env.DB, "rows", v.id)).toEqual(v);
		expect(await getDeployment(env.DB, "rows", d.id)).toEqual(d);
		expect(await getActiveDeployment(env.DB, "rows")).toEqual(d);
		expect(await getWorker(env.DB, "rows")).toMatchObject({
			version_count: 1,
			deployment_count: 1,
			active_deployment_id: d.id,
		});
	});

	it("aborts the whole batch when the counters moved (compare-and-set)", async () => {
		await write("cas", 1);
		await expect(write("cas", 1)).rejects.toThrow(/write_guard/);
		const stale = version("cas", 2);
		await expect(
			env.DB.batch([
				guardCounters(env.DB, "cas", { version_count: 0, deployment_count: 0 }),
				insertVersion(env.DB, stale),
				releaseGuard(env.DB),
			]),
		).rejects.toThrow();
		expect(await getVersion(env.DB, "cas", stale.id)).toBeNull();
	});

	it("refuses a repeated number for the same Worker", async () => {
		await write("unique", 1);
		await expect(env.DB.batch([insertVersion(env.DB, { ...version("unique", 1), id: "other" })])).rejects.toThrow(
			/UNIQUE/,
		);
	});

	it("pages newest first with opaque cursors", async () => {
		for (let n = 1; n <= 5; n++) await write("paged", n);
		const first = await listDeployments(env.DB, "paged", 2);
		expect(first.items.map((d) => d.number)).toEqual([5, 4]);
		const second = await listVersions(env.DB, "paged", 2, decodeCursor(first.next_cursor ?? undefined));
		expect(second.items.map((v) => v.number)).toEqual([3, 2]);
		expect(decodeCursor(encodeCursor(42))).toBe(42);
		expect(() => decodeCursor("bogus")).toThrow(/cursor/);
	});

	it("lists the latest deployments through the (worker, number) index, without a scan", async () => {
		const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${LIST_DEPLOYMENTS_SQL}`)
			.bind("x", 10, 11)
			.all<{ detail: string }>();
		const details = plan.results.map((r) => r.detail).join(" | ");
		expect(details).toMatch(/USING INDEX/);
		expect(details).not.toMatch(/SCAN deployments(?! USING)/);
		expect(details).not.toMatch(/TEMP B-TREE/);
	});
});

describe("the coordinator", () => {
	it("recovers its counters from D1 when its own storage is behind", async () => {
		await deploy("resync");
		await deploy("resync");
		const stub = coordinatorFor(env, "resync");
		await runInDurableObject(stub, (_instance: WorkerCoordinator, state) => {
			state.storage.sql.exec("UPDATE state SET version_count = 1, deployment_count = 1");
		});
		const third = await deploy("resync");
		expect(third.deployment.number).toBe(3);
		expect(await stub.counters("resync")).toMatchObject({ version_count: 3, deployment_count: 3 });
	});

	it("rebuilds its state from D1 when its storage is empty", async () => {
		await deploy("amnesia");
		const stub = coordinatorFor(env, "amnesia");
		await runInDurableObject(stub, (_instance: WorkerCoordinator, state) => {
			state.storage.sql.exec("DELETE FROM state");
		});
		expect((await deploy("amnesia")).deployment.number).toBe(2);
	});
});

describe("the audit", () => {
	it("finds nothing wrong with a clean Worker, and a problem when the pointer is not on the latest deployment", async () => {
		await deploy("audited");
		await auditNow();
		expect(await openFindings("audited")).toEqual([]);

		await env.DB.prepare("UPDATE workers SET active_deployment_id = 'nowhere' WHERE name = 'audited'").run();
		await auditNow();
		expect(await openFindings("audited")).toContainEqual(
			expect.objectContaining({
				check_name: "consistency",
				subject: "pointer",
				message: expect.stringContaining("not the latest"),
			}),
		);
	});
});

describe("resource registry lookups", () => {
	it("find registered resources by (type, id) through the primary key", async () => {
		const { getResources, resourcesByKeySql } = await import("../src/storage/resources");
		await env.DB.prepare(
			"INSERT INTO resources (type, id, created_on, registered_by) VALUES ('kv_namespace', 'a', 'now', 'api'), ('r2_bucket', 'a', 'now', 'api')",
		).run();
		const found = await getResources(env.DB, [
			{ type: "kv_namespace", id: "a" },
			{ type: "queue", id: "a" },
			{ type: "kv_namespace", id: "a" },
		]);
		expect([...found.keys()]).toEqual(["kv_namespace:a"]);
		// One pair and a full chunk of 50, as getResources sends them.
		for (const count of [1, 50]) {
			const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${resourcesByKeySql(count)}`)
				.bind(...Array.from({ length: count }, (_, i) => ["kv_namespace", `r${i}`]).flat())
				.all<{ detail: string }>();
			const details = plan.results.map((r) => r.detail).join(" | ");
			expect(details).toMatch(/USING (PRIMARY KEY|INDEX)/);
			expect(details).not.toMatch(/SCAN resources(?! USING)/);
		}
	});
});

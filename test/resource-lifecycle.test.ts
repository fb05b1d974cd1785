import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeName } from "../src/runtime/resource-ids";
import { api, deploy, json, patchJson } from "./helpers";

/** Resources as objects of the account: created by name, shared by Workers, deleted with their data. */

const kvStore = (id: string) => env.KV_NAMESPACES.getByName(storeName("kv_namespace", id));
const d1Store = (id: string) => env.D1_DATABASES.getByName(storeName("d1", id));

async function create(type: string, name: string) {
	const res = await patchJson("/v1/resources", { type, name }, "POST");
	expect(res.status, await res.clone().text()).toBe(201);
	return json(res);
}

async function audit(action: string, target: string) {
	const { results } = await env.DB.prepare(
		"SELECT principal_id, outcome, details FROM audit_log WHERE action = ?1 AND target_id = ?2 ORDER BY at",
	)
		.bind(action, target)
		.all<{ principal_id: string; outcome: string; details: string | null }>();
	return results;
}

describe("creating resources", () => {
	it("gives a KV namespace a new 32-hex id and a D1 database a uuid, named as asked", async () => {
		const kv = await create("kv_namespace", "life-cache");
		expect(kv).toMatchObject({ type: "kv_namespace", name: "life-cache", registered_by: "api", deleted_on: null });
		expect(kv.id).toMatch(/^[0-9a-f]{32}$/);
		expect(kv.api_id).toBe(kv.id);
		const db = await create("d1", "life-db");
		expect(db.id).toMatch(/^[0-9a-f-]{36}$/);
		const bucket = await create("r2_bucket", "life-bucket");
		expect(bucket).toMatchObject({ id: "life-bucket", name: "life-bucket", api_id: "life-bucket" });
		const queue = await create("queue", "life-queue");
		expect(queue.id).toBe("life-queue");
		expect(queue.api_id).toMatch(/^[0-9a-f]{32}$/);
		expect(await audit("resource.create", `kv_namespace:${kv.id}`)).toEqual([
			expect.objectContaining({ principal_id: "admin", outcome: "success" }),
		]);
	});

	it("refuses a second live resource of a type with the same name, and a name the type does not allow", async () => {
		await create("kv_namespace", "life-twice");
		const again = await patchJson("/v1/resources", { type: "kv_namespace", name: "life-twice" }, "POST");
		expect(again.status).toBe(409);
		expect((await json(again)).error.details.reason).toBe("resource_name_taken");
		const bad = await patchJson("/v1/resources", { type: "r2_bucket", name: "Not_A_Bucket" }, "POST");
		expect(bad.status).toBe(400);
		expect((await json(bad)).error.message).toContain("3-63 lowercase letters");
		expect((await patchJson("/v1/resources", { type: "queue" }, "POST")).status).toBe(400);
	});
});

describe("deleting resources", () => {
	it("is refused with 409 naming the Workers while an active deployment binds it", async () => {
		const kv = await create("kv_namespace", "life-shared");
		const binding = { name: "KV", type: "kv_namespace", namespace_id: kv.id };
		await deploy("life-a", { metadata: { bindings: [binding] } });
		await deploy("life-b", { metadata: { bindings: [binding] } });
		const res = await api(`/v1/resources/kv_namespace/${kv.id}`, { method: "DELETE" });
		expect(res.status).toBe(409);
		const body = await json(res);
		expect(body.error.details).toMatchObject({ reason: "resource_in_use", workers: ["life-a", "life-b"] });
		expect(body.error.message).toContain("life-a, life-b");
		expect(body.error.message).toContain("?force=true");
		const shown = await json(await api(`/v1/resources/kv_namespace/${kv.id}`));
		expect(shown).toMatchObject({ deleted_on: null, bound_by: ["life-a", "life-b"] });
		// The refusal is in the log too.
		const { results } = await env.DB.prepare(
			"SELECT status FROM audit_log WHERE action = 'resource.delete' AND outcome = 'refused'",
		).all<{ status: number }>();
		expect(results.map((r) => r.status)).toContain(409);
	});

	it("is allowed once no active deployment binds it, even if an older version does", async () => {
		const kv = await create("kv_namespace", "life-moved");
		await deploy("life-moved", { metadata: { bindings: [{ name: "KV", type: "kv_namespace", namespace_id: kv.id }] } });
		await deploy("life-moved");
		expect((await api(`/v1/resources/kv_namespace/${kv.id}`, { method: "DELETE" })).status).toBe(200);
	});

	it("forced, deletes the data and records who forced it over which Workers", async () => {
		const kv = await create("kv_namespace", "life-forced");
		await deploy("life-forced", {
			metadata: { bindings: [{ name: "KV", type: "kv_namespace", namespace_id: kv.id }] },
		});
		const written = await kvStore(kv.id).write("k", new TextEncoder().encode("v").buffer as ArrayBuffer, null, null);
		expect(written.ok).toBe(true);
		expect((await kvStore(kv.id).usage()).keys).toBe(1);
		const res = await api(`/v1/resources/kv_namespace/${kv.id}?force=true`, { method: "DELETE" });
		expect(res.status).toBe(200);
		expect((await json(res)).deleted_on).not.toBeNull();
		expect(await kvStore(kv.id).usage()).toEqual({ bytes: 0, keys: 0 });
		const [entry] = await audit("resource.delete", `kv_namespace:${kv.id}`);
		expect(entry?.principal_id).toBe("admin");
		expect(JSON.parse(entry?.details ?? "null")).toEqual({
			forced: true,
			workers: ["life-forced"],
			data: { deleted: "all" },
		});
	});

	it("deletes a D1 database's tables", async () => {
		const db = await create("d1", "life-d1");
		const made = await d1Store(db.id).runBatch([
			{ sql: "CREATE TABLE t (a)", params: [] },
			{ sql: "INSERT INTO t VALUES (1)", params: [] },
		]);
		expect(made.ok).toBe(true);
		expect((await api(`/v1/resources/d1/${db.id}`, { method: "DELETE" })).status).toBe(200);
		const after = await d1Store(db.id).runStatement({ sql: "SELECT * FROM t", params: [] }, "objects");
		expect(after.ok).toBe(false);
	});

	it("a rollback to a version binding a deleted KV namespace is refused", async () => {
		const kv = await create("kv_namespace", "life-rollback");
		const one = await deploy("life-rb", {
			metadata: { bindings: [{ name: "KV", type: "kv_namespace", namespace_id: kv.id }] },
		});
		await deploy("life-rb");
		expect((await api(`/v1/resources/kv_namespace/${kv.id}`, { method: "DELETE" })).status).toBe(200);
		const res = await patchJson("/v1/workers/life-rb/rollback", { version_id: one.version.id }, "POST");
		expect(res.status).toBe(422);
		expect((await json(res)).error.details.reasons.map((r: { code: string }) => r.code)).toEqual(["resource_deleted"]);
	});

	it("a name can be used again once its resource is deleted; the old id stays deleted", async () => {
		const first = await create("kv_namespace", "life-reuse");
		expect((await api(`/v1/resources/kv_namespace/${first.id}`, { method: "DELETE" })).status).toBe(200);
		const second = await create("kv_namespace", "life-reuse");
		expect(second.id).not.toBe(first.id);
		const old = await json(await api(`/v1/resources/kv_namespace/${first.id}`));
		expect(old.deleted_on).not.toBeNull();
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { supervisorFor } from "../../src/runtime/do/do-rules";
import { DEFAULT_DO_LIMITS, durableObjectLimits } from "../../src/runtime/storage-limits";
import { deployCode, edge } from "../edge/edge-helpers";

// vitest.config.ts: SHIPLOG_DO_MAX_OBJECT_BYTES = 1 MiB, SHIPLOG_DO_MAX_CLASS_BYTES = 2 MiB.
const KiB = 1024;

/** A class whose objects write blobs through every write path of the storage API. */
const STORE_APP = `
import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
	constructor(ctx, env) {
		super(ctx, env);
		ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS blobs (b BLOB)");
	}
	sql(kib) { this.ctx.storage.sql.exec("INSERT INTO blobs VALUES (randomblob(?))", kib * 1024); return this.count(); }
	kv(key, kib) { this.ctx.storage.kv.put(key, new Uint8Array(kib * 1024)); return this.keys(); }
	async put(key, kib) { await this.ctx.storage.put(key, new Uint8Array(kib * 1024)); return this.keys(); }
	async txn(kib) {
		await this.ctx.storage.transaction(async () => {
			this.ctx.storage.sql.exec("INSERT INTO blobs VALUES (zeroblob(1))");
			await this.ctx.storage.put("in-txn", new Uint8Array(kib * 1024));
		});
		return this.count();
	}
	sync(kib) {
		this.ctx.storage.transactionSync(() => {
			this.ctx.storage.sql.exec("INSERT INTO blobs VALUES (zeroblob(1))");
			this.ctx.storage.kv.put("in-sync", new Uint8Array(kib * 1024));
		});
		return this.count();
	}
	trim() { this.ctx.storage.sql.exec("DELETE FROM blobs"); return this.count(); }
	count() { return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM blobs").one().n; }
	keys() { return [...this.ctx.storage.kv.list()].length; }
}
export default {
	async fetch(request, env) {
		const [, op, name, a, b] = new URL(request.url).pathname.split("/");
		const stub = env.STORE.getByName(name);
		try {
			const args = op === "kv" || op === "put" ? [a, Number(b)] : a === undefined ? [] : [Number(a)];
			return Response.json({ ok: true, value: await stub[op](...args) });
		} catch (e) {
			return Response.json({ ok: false, name: e.constructor.name, message: e.message });
		}
	},
};`;

const storeBinding = { name: "STORE", type: "durable_object_namespace", class_name: "Store" };
const createStore = { new_tag: "v1", new_sqlite_classes: ["Store"] };

async function call(
	worker: string,
	path: string,
): Promise<{ ok: boolean; value?: unknown; name?: string; message?: string }> {
	const res = await edge(worker, path);
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json();
}

const FULL = /^database or disk is full: SQLITE_FULL \(this Durable Object may store at most \d+ bytes/;

async function classUsage(worker: string): Promise<{ objects: number; bytes: number }> {
	const row = await env.DB.prepare("SELECT storage_id FROM durable_object_classes WHERE worker = ?1")
		.bind(worker)
		.first<{ storage_id: string }>();
	if (!row) throw new Error(`no class for ${worker}`);
	return supervisorFor(env, row.storage_id).storageUsage();
}

describe("Durable Object storage limits", () => {
	it("a SQL write past the object's limit fails with SQLITE_FULL; what is under it is kept", async () => {
		await deployCode("dolim-sql", STORE_APP, { bindings: [storeBinding], migrations: createStore });
		expect(await call("dolim-sql", "/sql/a/400")).toEqual({ ok: true, value: 1 });
		expect(await call("dolim-sql", "/sql/a/400")).toEqual({ ok: true, value: 2 });
		const refused = await call("dolim-sql", "/sql/a/400");
		expect(refused).toMatchObject({ ok: false, name: "Error" });
		expect(refused.message).toMatch(FULL);
		// The refused row was rolled back; the others are kept.
		expect(await call("dolim-sql", "/count/a")).toEqual({ ok: true, value: 2 });
		// Another object of the class is not affected.
		expect(await call("dolim-sql", "/sql/b/400")).toEqual({ ok: true, value: 1 });
		// Space freed inside the object's database can be used again.
		expect(await call("dolim-sql", "/trim/a")).toEqual({ ok: true, value: 0 });
		expect(await call("dolim-sql", "/sql/a/400")).toEqual({ ok: true, value: 1 });
	});

	it("every KV write path is bounded: kv.put, put, transaction and transactionSync roll back", async () => {
		await deployCode("dolim-kv", STORE_APP, { bindings: [storeBinding], migrations: createStore });
		expect(await call("dolim-kv", "/kv/k/x1/600")).toEqual({ ok: true, value: 1 });
		for (const path of ["/kv/k/x2/600", "/put/k/x3/600", "/txn/k/600", "/sync/k/600"]) {
			const refused = await call("dolim-kv", path);
			expect(refused, path).toMatchObject({ ok: false, name: "Error" });
			expect(refused.message).toMatch(FULL);
		}
		// Nothing of the refused writes stayed, not even the small rows written alongside them.
		expect(await call("dolim-kv", "/keys/k")).toEqual({ ok: true, value: 1 });
		expect(await call("dolim-kv", "/count/k")).toEqual({ ok: true, value: 0 });
		// Small writes still go through.
		expect(await call("dolim-kv", "/put/k/x4/1")).toEqual({ ok: true, value: 2 });
		expect(await call("dolim-kv", "/txn/k/1")).toEqual({ ok: true, value: 1 });
	});

	it("the class's limit is shared by its objects; another Worker's class is not affected", async () => {
		await deployCode("dolim-class", STORE_APP, { bindings: [storeBinding], migrations: createStore });
		await deployCode("dolim-other", STORE_APP, { bindings: [storeBinding], migrations: createStore });
		expect(await call("dolim-class", "/sql/a/800")).toEqual({ ok: true, value: 1 });
		expect(await call("dolim-class", "/sql/b/800")).toEqual({ ok: true, value: 1 });
		// Each object is under its own 1 MiB, but three would pass the class's 2 MiB.
		const refused = await call("dolim-class", "/sql/c/800");
		expect(refused).toMatchObject({ ok: false, name: "Error" });
		expect(refused.message).toMatch(FULL);
		expect(await call("dolim-class", "/sql/c/100")).toEqual({ ok: true, value: 1 });
		expect(await call("dolim-other", "/sql/a/800")).toEqual({ ok: true, value: 1 });

		const usage = await classUsage("dolim-class");
		expect(usage.objects).toBe(3);
		expect(usage.bytes).toBeGreaterThan(1700 * KiB);
		expect(usage.bytes).toBeLessThanOrEqual(2048 * KiB);
	});

	it("reads the limits from their vars, with the defaults for missing or invalid ones", () => {
		expect(durableObjectLimits(env)).toEqual({ objectBytes: 1048576, classBytes: 2097152 });
		expect(durableObjectLimits({ ...env, SHIPLOG_DO_MAX_OBJECT_BYTES: "", SHIPLOG_DO_MAX_CLASS_BYTES: "-1" })).toEqual(
			DEFAULT_DO_LIMITS,
		);
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testApp } from "./fixtures/app";
import { api, deploy, json } from "./helpers";

/** The resource endpoints of /client/v4, in the shapes wrangler sends and reads (docs/resources.md). */

const A = `/client/v4/accounts/${env.SHIPLOG_ACCOUNT_ID}`;
const WRANGLER = { "user-agent": "wrangler/4.164.0" };

function cf(path: string, init: RequestInit = {}) {
	return api(`${A}${path}`, { ...init, headers: { ...WRANGLER, ...(init.headers as Record<string, string>) } });
}

async function result(res: Response, status = 200) {
	const body = await json(res);
	expect(res.status, JSON.stringify(body)).toBe(status);
	expect(body.success).toBe(true);
	return body.result;
}

async function failure(res: Response, code: number, status: number) {
	const body = await json(res);
	expect(res.status, JSON.stringify(body)).toBe(status);
	expect(body.success).toBe(false);
	expect(body.errors[0].code).toBe(code);
	return body.errors[0].message as string;
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
	cf(path, {
		method: "POST",
		body: JSON.stringify(body),
		headers: { "content-type": "text/plain;charset=UTF-8", ...headers },
	});

describe("KV namespaces and keys", () => {
	it("creates, pages, puts, gets, lists and deletes keys, and deletes the namespace with them", async () => {
		const ns = await result(await post("/storage/kv/namespaces", { title: "cf-cache" }));
		expect(ns.id).toMatch(/^[0-9a-f]{32}$/);
		expect(await failure(await post("/storage/kv/namespaces", { title: "cf-cache" }), 10014, 400)).toContain(
			"already exists",
		);
		const page1 = await result(await cf("/storage/kv/namespaces?per_page=1000&order=title&direction=asc"));
		expect(page1).toContainEqual(expect.objectContaining({ id: ns.id, title: "cf-cache" }));
		expect(await result(await cf("/storage/kv/namespaces?per_page=1000&order=title&direction=asc&page=2"))).toEqual([]);

		const values = `/storage/kv/namespaces/${ns.id}/values`;
		await result(await cf(`${values}/a%2Fb%20c`, { method: "PUT", body: "hello" }));
		const got = await cf(`${values}/a%2Fb%20c`);
		expect(got.status).toBe(200);
		expect(await got.text()).toBe("hello");
		const form = new FormData();
		form.set("value", "with meta");
		form.set("metadata", JSON.stringify({ v: 1 }));
		await result(await cf(`${values}/m?expiration_ttl=3600`, { method: "PUT", body: form }));
		const keys = await json(await cf(`/storage/kv/namespaces/${ns.id}/keys?prefix=`));
		expect(keys.result).toEqual([{ name: "a/b c" }, { name: "m", expiration: expect.any(Number), metadata: { v: 1 } }]);
		expect(keys.result_info.cursor).toBe("");
		await result(await cf(`${values}/m`, { method: "DELETE" }));
		expect((await cf(`${values}/m`)).status).toBe(404);

		await result(await cf(`/storage/kv/namespaces/${ns.id}`, { method: "DELETE" }));
		expect(await env.KV_NAMESPACES.getByName(`kv_namespace:${ns.id}`).usage()).toEqual({ bytes: 0, keys: 0 });
		await failure(await cf(`${values}/a%2Fb%20c`), 10013, 404);
	});

	it("refuses a value over the limit with 413 and a clear message", async () => {
		const ns = await result(await post("/storage/kv/namespaces", { title: "cf-small" }));
		const app = testApp({ vars: { SHIPLOG_KV_MAX_VALUE_BYTES: "10" } });
		const res = await app(`${A}/storage/kv/namespaces/${ns.id}/values/big`, {
			method: "PUT",
			body: "x".repeat(11),
			headers: WRANGLER,
		});
		expect(res.status).toBe(413);
		expect((await json(res)).errors[0].message).toContain("exceeds limit of 10");
	});

	it("refuses to delete a namespace an active deployment binds, naming the Worker, unless forced", async () => {
		const ns = await result(await post("/storage/kv/namespaces", { title: "cf-bound" }));
		await deploy("cf-binder", { metadata: { bindings: [{ name: "KV", type: "kv_namespace", namespace_id: ns.id }] } });
		const message = await failure(await cf(`/storage/kv/namespaces/${ns.id}`, { method: "DELETE" }), 10013, 409);
		expect(message).toContain("cf-binder");
		expect(message).toContain("?force=true");
		await result(await cf(`/storage/kv/namespaces/${ns.id}?force=true`, { method: "DELETE" }));
		const { results } = await env.DB.prepare(
			"SELECT principal_id, source, outcome, status, message, target_id FROM audit_log WHERE action = 'resource.delete' ORDER BY at",
		).all<{ outcome: string; message: string | null; target_id: string | null }>();
		const refusal = results.find((r) => r.outcome === "refused" && r.message?.includes(ns.id));
		expect(refusal).toMatchObject({ principal_id: "admin", source: "wrangler", status: 409 });
		expect(results.filter((r) => r.target_id === `kv_namespace:${ns.id}`)).toEqual([
			expect.objectContaining({ principal_id: "admin", source: "wrangler", outcome: "success" }),
		]);
	});
});

describe("D1 databases", () => {
	it("creates, finds by name, runs several statements atomically, and applies wrangler's migrations", async () => {
		const db = await result(await post("/d1/database", { name: "cf-db" }, { "content-type": "application/json" }));
		expect(db).toMatchObject({ name: "cf-db", uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
		await failure(await post("/d1/database", { name: "cf-db" }), 7502, 409);
		expect(await result(await cf("/d1/database/cf-db?fields=uuid%2Cname"))).toMatchObject({ uuid: db.uuid });
		await failure(await cf("/d1/database/cf-nowhere?fields=uuid%2Cname"), 7404, 404);
		const list = await result(await cf("/d1/database?per_page=10&page=1"));
		expect(list).toContainEqual(expect.objectContaining({ uuid: db.uuid, name: "cf-db" }));

		const q = (sql: string) => post(`/d1/database/${db.uuid}/query`, { sql });
		await result(
			await q('CREATE TABLE IF NOT EXISTS "d1_migrations"(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE);'),
		);
		const applied = await result(
			await q("CREATE TABLE t (a TEXT);\n\nINSERT INTO \"d1_migrations\" (name)\nvalues ('0001_t.sql');"),
		);
		expect(applied).toHaveLength(2);
		expect(applied.every((r: { success: boolean }) => r.success)).toBe(true);
		const rows = await result(await q("INSERT INTO t VALUES ('x;y'); SELECT a FROM t; SELECT name FROM d1_migrations"));
		expect(rows[1].results).toEqual([{ a: "x;y" }]);
		expect(rows[2].results).toEqual([{ name: "0001_t.sql" }]);
		// A failing statement rolls back the ones before it.
		expect(await failure(await q("INSERT INTO t VALUES ('z'); SELECT nope FROM t"), 7500, 400)).toContain("nope");
		expect((await result(await q("SELECT count(*) AS n FROM t")))[0].results).toEqual([{ n: 1 }]);

		await result(await cf(`/d1/database/${db.uuid}`, { method: "DELETE" }));
		await failure(await q("SELECT 1"), 7404, 404);
	});

	it("imports a file: init, upload to the URL with its MD5 as ETag, ingest", async () => {
		const db = await result(await post("/d1/database", { name: "cf-import" }));
		const file = "CREATE TABLE x (a);\nINSERT INTO x VALUES (1);\nINSERT INTO x VALUES (2);\n";
		const md5 = Array.from(new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode(file))), (b) =>
			b.toString(16).padStart(2, "0"),
		).join("");
		const init = await result(await post(`/d1/database/${db.uuid}/import`, { action: "init", etag: md5 }));
		const uploadPath = new URL(init.upload_url).pathname;
		expect((await api(uploadPath, { method: "PUT", body: "tampered", token: null })).status).toBe(400);
		expect((await api("/d1-import/0000", { method: "PUT", body: file, token: null })).status).toBe(404);
		const upload = await api(uploadPath, { method: "PUT", body: file, token: null });
		expect(upload.status).toBe(200);
		expect(upload.headers.get("etag")?.replaceAll('"', "")).toBe(md5);
		const ingest = await result(
			await post(`/d1/database/${db.uuid}/import`, { action: "ingest", filename: init.filename, etag: md5 }),
		);
		expect(ingest).toMatchObject({ status: "complete", result: { num_queries: 3 } });
		const rows = await result(await post(`/d1/database/${db.uuid}/query`, { sql: "SELECT sum(a) AS s FROM x" }));
		expect(rows[0].results).toEqual([{ s: 3 }]);
	});
});

describe("R2 buckets and objects", () => {
	it("creates, lists, puts, gets and deletes objects, and deletes the bucket with them", async () => {
		await result(await post("/r2/buckets", { name: "cf-bucket" }));
		await failure(await post("/r2/buckets", { name: "cf-bucket" }), 10004, 409);
		await failure(await post("/r2/buckets", { name: "No" }), 10021, 400);
		expect((await result(await cf("/r2/buckets"))).buckets).toContainEqual(
			expect.objectContaining({ name: "cf-bucket" }),
		);
		await failure(await cf("/r2/buckets/cf-missing"), 10006, 404);
		const put = await cf("/r2/buckets/cf-bucket/objects/dir/a%20b%c.txt", {
			method: "PUT",
			body: "object body",
			headers: { "content-type": "text/plain" },
		});
		expect(put.status).toBe(200);
		const got = await cf("/r2/buckets/cf-bucket/objects/dir/a%20b%c.txt");
		expect(await got.text()).toBe("object body");
		expect(got.headers.get("content-type")).toBe("text/plain");
		expect(await env.DATA.head("r2/cf-bucket/dir/a b%c.txt")).not.toBeNull();
		await result(await cf("/r2/buckets/cf-bucket/objects/dir/a%20b%c.txt", { method: "DELETE" }));
		expect((await cf("/r2/buckets/cf-bucket/objects/dir/a%20b%c.txt")).status).toBe(404);
		await cf("/r2/buckets/cf-bucket/objects/kept", { method: "PUT", body: "x" });
		await result(await cf("/r2/buckets/cf-bucket", { method: "DELETE" }));
		expect((await env.DATA.list({ prefix: "r2/cf-bucket/" })).objects).toEqual([]);
	});

	it("refuses an object over the limit with 413", async () => {
		await result(await post("/r2/buckets", { name: "cf-tiny" }));
		const app = testApp({ vars: { SHIPLOG_R2_MAX_OBJECT_BYTES: "4" } });
		const res = await app(`${A}/r2/buckets/cf-tiny/objects/k`, { method: "PUT", body: "12345", headers: WRANGLER });
		expect(res.status).toBe(413);
		expect((await json(res)).errors[0].message).toContain("maximum allowed object size");
	});
});

describe("queues", () => {
	it("creates, looks up by name, lists with counts, configures a consumer, and deletes", async () => {
		await result(await post("/queues", { queue_name: "cf-jobs" }));
		await result(await post("/queues", { queue_name: "cf-other" }));
		await failure(await post("/queues", { queue_name: "cf-jobs" }), 11009, 409);
		const found = await json(await cf("/queues?page=1&name=cf-jobs"));
		expect(found.result).toHaveLength(1);
		const queue = found.result[0];
		expect(queue).toMatchObject({ queue_name: "cf-jobs", producers_total_count: 0, consumers_total_count: 0 });
		expect(await result(await cf("/queues?page=1&name=cf-none"))).toEqual([]);
		// A consumer is a Worker that exists, as on Cloudflare.
		await failure(await post(`/queues/${queue.queue_id}/consumers`, { script_name: "cf-consumer" }), 10007, 404);
		await deploy("cf-consumer", {});

		await result(
			await post(`/queues/${queue.queue_id}/consumers`, {
				type: "worker",
				script_name: "cf-consumer",
				settings: { batch_size: 10, max_retries: 3, max_wait_time_ms: 5000 },
				dead_letter_queue: "cf-other",
			}),
		);
		await failure(
			await post(`/queues/${queue.queue_id}/consumers`, { script_name: "x", settings: { batch_size: 1000 } }),
			10021,
			400,
		);
		const [again] = await result(await cf("/queues?page=1&name=cf-jobs"));
		expect(again.consumers).toEqual([
			expect.objectContaining({ type: "worker", script: "cf-consumer", dead_letter_queue: "cf-other" }),
		]);
		await deploy("cf-producer", { metadata: { bindings: [{ name: "Q", type: "queue", queue_name: "cf-jobs" }] } });
		const listed = await result(await cf("/queues?page=1"));
		expect(listed.find((q: { queue_name: string }) => q.queue_name === "cf-jobs")).toMatchObject({
			producers_total_count: 1,
			consumers_total_count: 1,
		});
		await failure(await cf(`/queues/${queue.queue_id}`, { method: "DELETE" }), 10013, 409);
		await result(await cf(`/queues/${queue.queue_id}?force=true`, { method: "DELETE" }));
		expect(await result(await cf("/queues?page=1&name=cf-jobs"))).toEqual([]);
	});
});

describe("the resources scope", () => {
	it("is needed for every resource route", async () => {
		const res = await api(`${A}/storage/kv/namespaces`, { method: "POST", body: JSON.stringify({ title: "x" }) });
		expect(res.status).toBe(200);
		const { createToken } = await import("./fixtures/tokens");
		const { token } = await createToken(["deploy"], "ci");
		const refused = await api(`${A}/storage/kv/namespaces?page=1`, { token });
		expect(refused.status).toBe(403);
	});
});

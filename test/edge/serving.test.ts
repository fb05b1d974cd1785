import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors/api-error";
import { uploadWorker } from "../../src/services/upload-service";
import { serviceContext } from "../fixtures/context";
import { api, json, uploadForm } from "../helpers";
import { coordinatorDeploy, deployCode, edge, eventually, health, label, reporter } from "./edge-helpers";

describe("the edge serves a managed Worker's active deployment", () => {
	it("serves each deploy as soon as it returns, and a rollback from the very next request", async () => {
		const v1 = await deployCode("fresh", reporter("v1"));
		expect(await label(await edge("fresh"))).toBe("v1");
		const v2 = await deployCode("fresh", reporter("v2"));
		const second = await edge("fresh");
		expect(second.headers.get("shiplog-version-id")).toBe(v2.version.id);
		expect(await label(second)).toBe("v2");

		await coordinatorDeploy("fresh", v1.version.id, "rollback", v2.deployment.id);
		const next = await edge("fresh");
		expect(next.headers.get("shiplog-version-id")).toBe(v1.version.id);
		expect(await label(next)).toBe("v1");

		const again = await api("/v1/workers/fresh/deployments", {
			method: "POST",
			body: JSON.stringify({ versions: [{ version_id: v2.version.id, percentage: 100 }] }),
		});
		expect(again.status).toBe(201);
		expect(await label(await edge("fresh"))).toBe("v2");
	});

	it("strips /w/:name from the URL the Worker sees and keeps the query, method and body", async () => {
		await deployCode(
			"echo",
			`export default { async fetch(req) { return Response.json({ url: req.url, method: req.method, body: await req.text() }); } };`,
		);
		const res = await edge("echo", "/a/b?x=1", { method: "POST", body: "payload" });
		expect(await res.json()).toEqual({ url: "http://shiplog.test/a/b?x=1", method: "POST", body: "payload" });
		const root = await exports.default.fetch(new Request("http://shiplog.test/w/echo"));
		expect(((await root.json()) as { url: string }).url).toBe("http://shiplog.test/");
	});

	it("routes <name>.<routing domain> by Host, without touching the path", async () => {
		await deployCode("hosted", reporter("by-host"));
		const res = await exports.default.fetch(new Request("https://hosted.workers.test/api/items?q=2"));
		expect(res.status).toBe(200);
		const body = (await res.json()) as { label: string; url: string };
		expect(body).toMatchObject({ label: "by-host", url: "https://hosted.workers.test/api/items?q=2" });
	});

	it("answers 404 for a Worker that is not deployed, without needing a token", async () => {
		const res = await edge("nobody-here");
		expect(res.status).toBe(404);
		expect((await json(res)).error.code).toBe("not_found");
	});

	it("builds env from plain_text, json and version_metadata bindings", async () => {
		const { version } = await deployCode("envy", reporter("env"), {
			bindings: [
				{ name: "GREETING", type: "plain_text", text: "hello" },
				{ name: "CONFIG", type: "json", json: { limits: [1, 2], on: true } },
				{ name: "META", type: "version_metadata" },
			],
			annotations: { "workers/tag": "v9" },
		});
		const body = (await (await edge("envy")).json()) as { env: Record<string, unknown> };
		expect(body.env).toEqual({
			GREETING: "hello",
			CONFIG: { limits: [1, 2], on: true },
			META: { id: version.id, tag: "v9", timestamp: version.created_on },
		});
	});

	it("loads every module kind of the bundle from R2", async () => {
		const res = await api("/v1/workers/bundle", {
			method: "PUT",
			body: uploadForm({
				modules: [
					{
						name: "index.js",
						body: `import { twice } from "./lib/math.js"; import cfg from "./cfg.json"; import note from "./note.txt";
						import legacy from "./legacy.cjs"; import bytes from "./blob.bin";
						export default { fetch() { return Response.json({ twice: twice(21), cfg, note, legacy, size: bytes.byteLength }); } };`,
					},
					{ name: "lib/math.js", body: "export const twice = (x) => x * 2;" },
					{ name: "cfg.json", body: '{"n":1}', type: "application/json" },
					{ name: "note.txt", body: "a note", type: "text/plain" },
					{ name: "legacy.cjs", body: "module.exports = 'cjs';", type: "application/javascript" },
					{ name: "blob.bin", body: new Uint8Array([1, 2, 3]), type: "application/octet-stream" },
				],
			}),
		});
		expect(res.status).toBe(201);
		expect(await (await edge("bundle")).json()).toEqual({
			twice: 42,
			cfg: { n: 1 },
			note: "a note",
			legacy: "cjs",
			size: 3,
		});
	});

	it("a service binding reaches the target's new deployment without a deployment of the caller", async () => {
		await deployCode(
			"svc-b",
			`export default { fetch(req) { return new Response("b1 saw " + new URL(req.url).pathname); } };`,
		);
		await deployCode(
			"svc-a",
			`export default { async fetch(req, env) { const r = await env.B.fetch("http://b.internal/hello"); return new Response("A got: " + await r.text() + " from " + r.headers.get("shiplog-version-id")); } };`,
			{ bindings: [{ name: "B", type: "service", service: "svc-b" }] },
		);
		expect(await (await edge("svc-a")).text()).toMatch(/^A got: b1 saw \/hello from /);
		const b2 = await deployCode("svc-b", `export default { fetch() { return new Response("b2"); } };`);
		expect(await (await edge("svc-a")).text()).toBe(`A got: b2 from ${b2.version.id}`);
		const a = await json(await api("/v1/workers/svc-a"));
		expect(a.deployment_count).toBe(1);
	});

	it("refuses at upload a binding the built-in edge cannot provide, naming it", async () => {
		const request = new Request("http://shiplog.test/v1/workers/needs-queue", {
			method: "PUT",
			body: uploadForm({ metadata: { bindings: [{ name: "JOBS", type: "vectorize", index_name: "jobs" }] } }),
		});
		const refused = await uploadWorker(serviceContext({ SHIPLOG_EDGE_UNSUPPORTED_BINDINGS: "refuse" }), {
			worker: "needs-queue",
			request,
			deploy: true,
			bindingsInherit: "strict",
		}).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(ApiError);
		expect(refused).toMatchObject({ status: 400, details: { edge: "built-in" } });
		expect((refused as ApiError).message).toContain("binding JOBS has type vectorize");
		expect(await env.DB.prepare("SELECT count(*) AS n FROM versions WHERE worker = 'needs-queue'").first("n")).toBe(0);
	});

	it("answers 501 naming the binding when unsupported bindings were accepted into the log", async () => {
		await deployCode("has-queue", reporter("queue"), {
			bindings: [{ name: "JOBS", type: "vectorize", index_name: "jobs" }],
		});
		const res = await edge("has-queue");
		expect(res.status).toBe(501);
		const body = await json(res);
		expect(body.error).toMatchObject({ code: "binding_unsupported" });
		expect(body.error.message).toContain("JOBS (vectorize)");
	});

	it("accepts KV, R2 and D1 bindings at upload, and refuses a resource id it cannot serve, naming it", async () => {
		const strict = serviceContext({ SHIPLOG_EDGE_UNSUPPORTED_BINDINGS: "refuse" });
		const upload = (worker: string, bindings: unknown[]) =>
			uploadWorker(strict, {
				worker,
				request: new Request(`http://shiplog.test/v1/workers/${worker}`, {
					method: "PUT",
					body: uploadForm({ metadata: { bindings } }),
				}),
				deploy: true,
				bindingsInherit: "strict",
			}).catch((error: unknown) => error);
		const storage = [
			{ name: "CACHE", type: "kv_namespace", namespace_id: "0f2ac74b498b48028cb68387c421e279" },
			{ name: "FILES", type: "r2_bucket", bucket_name: "user-uploads" },
			{ name: "DB", type: "d1", id: "6b1c0a54-3c7e-4d5e-9a43-1f1e0f3c1e2d" },
		];
		expect(await upload("storage-ok", storage)).toMatchObject({
			replayed: false,
			value: { version: { worker: "storage-ok" } },
		});
		const refused = await upload("storage-bad", [{ name: "FILES", type: "r2_bucket", bucket_name: "Not_A_Bucket" }]);
		expect(refused).toBeInstanceOf(ApiError);
		expect((refused as ApiError).message).toContain('binding FILES: "Not_A_Bucket" is not a r2_bucket id');
	});

	it("answers 501 for a storage binding whose id was accepted into the log but cannot be served", async () => {
		await deployCode("odd-bucket", reporter("odd"), {
			bindings: [{ name: "FILES", type: "r2_bucket", bucket_name: "Not_A_Bucket" }],
		});
		const res = await edge("odd-bucket");
		expect(res.status).toBe(501);
		expect((await json(res)).error.message).toContain('binding FILES: "Not_A_Bucket" is not a r2_bucket id');
	});

	it("runs each version with the secret values it was made with, so a rollback restores them", async () => {
		const { version: v1 } = await deployCode("secretive", reporter("s"), {
			bindings: [{ name: "TOKEN", type: "secret_text", text: "first-value" }],
		});
		expect((await json(await edge("secretive"))).env.TOKEN).toBe("first-value");
		const put = await api("/v1/workers/secretive/secrets/TOKEN", {
			method: "PUT",
			body: JSON.stringify({ value: "second-value" }),
		});
		expect(put.status).toBe(201);
		expect((await json(await edge("secretive"))).env.TOKEN).toBe("second-value");
		const rollback = await api("/v1/workers/secretive/rollback", {
			method: "POST",
			body: JSON.stringify({ version_id: v1.id, force: true }),
		});
		expect(rollback.status).toBe(201);
		expect((await json(await edge("secretive"))).env.TOKEN).toBe("first-value");
	});
});

describe("isolation", () => {
	it("blocks outbound fetch from managed code by default", async () => {
		await deployCode(
			"no-net",
			`export default { async fetch() { try { await fetch("https://example.com/"); return new Response("reached"); } catch (e) { return new Response("blocked: " + e.message); } } };`,
		);
		expect(await (await edge("no-net")).text()).toContain(
			"blocked: This worker is not permitted to access the internet",
		);
	});

	it("a Worker that throws gives its client a 500 that blames the Worker, counted in health", async () => {
		const { version } = await deployCode("thrower", `export default { fetch() { throw new Error("kaboom"); } };`);
		const res = await edge("thrower");
		expect(res.status).toBe(500);
		expect(res.headers.get("shiplog-error")).toBe("worker_exception");
		expect(res.headers.get("shiplog-version-id")).toBe(version.id);
		const body = await json(res);
		expect(body.error.code).toBe("worker_exception");
		expect(body.error.message).toContain("fault in that Worker's code, not in shiplog");
		expect(JSON.stringify(body)).not.toContain("kaboom");
		const counted = await eventually(async () => {
			const h = await health("thrower");
			return h.versions[0]?.requests === 1 ? h : null;
		});
		expect(counted.versions[0]).toMatchObject({ version_id: version.id, requests: 1, errors: 1, exceptions: 1 });
	});

	it("a Worker that fails to start is the Worker's fault too", async () => {
		await deployCode("broken", `throw new Error("at top level"); export default {};`);
		const res = await edge("broken");
		expect(res.status).toBe(500);
		expect((await json(res)).error.code).toBe("worker_exception");
	});

	it("cuts off a Worker that does not answer within the wall-clock limit", async () => {
		await deployCode(
			"sleepy",
			`export default { async fetch() { await new Promise((r) => setTimeout(r, 10000)); return new Response("late"); } };`,
		);
		const started = Date.now();
		const res = await edge("sleepy");
		expect(res.status).toBe(504);
		expect((await json(res)).error.code).toBe("worker_timeout");
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it("counts 5xx responses as errors and other responses as requests only", async () => {
		await deployCode(
			"flaky",
			`export default { fetch(req) { return new Response("x", { status: new URL(req.url).pathname === "/bad" ? 503 : 404 }); } };`,
		);
		expect((await edge("flaky", "/bad")).status).toBe(503);
		expect((await edge("flaky", "/missing")).status).toBe(404);
		const h = await eventually(async () => {
			const snapshot = await health("flaky");
			return snapshot.versions[0]?.requests === 2 ? snapshot : null;
		});
		expect(h.versions[0]).toMatchObject({ requests: 2, errors: 1, exceptions: 0, error_rate: 0.5 });
	});
});

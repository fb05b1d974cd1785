import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/core/hash";
import { api, deploy, json, uploadForm, uploadVersion, workerSource } from "./helpers";

describe("PUT /v1/workers/:name (upload and deploy)", () => {
	it("records a version and a 100 % deployment with who, what, when and why", async () => {
		const res = await api("/v1/workers/shop", {
			method: "PUT",
			headers: { "shiplog-source": "cli" },
			body: uploadForm({
				metadata: {
					bindings: [{ name: "GREETING", type: "plain_text", text: "hi" }],
					compatibility_flags: ["nodejs_compat"],
					usage_model: "standard",
					annotations: { "workers/message": "first release", "workers/tag": "v1.0.0" },
				},
			}),
		});
		expect(res.status).toBe(201);
		const body = await json(res);
		expect(body.version).toMatchObject({
			worker: "shop",
			number: 1,
			author: { id: "admin" },
			source: "cli",
			message: "first release",
			tag: "v1.0.0",
			triggered_by: "upload",
			main_module: "index.js",
			compatibility_date: "2026-11-01",
			compatibility_flags: ["nodejs_compat"],
			bindings: [{ name: "GREETING", type: "plain_text", text: "hi" }],
		});
		expect(body.version.modules).toEqual([
			expect.objectContaining({ name: "index.js", content_type: "application/javascript+module" }),
		]);
		expect(body.deployment).toMatchObject({
			number: 1,
			triggered_by: "upload",
			message: "first release",
			versions: [{ version_id: body.version.id, percentage: 100 }],
		});
		expect(res.headers.get("etag")).toBe(`"${body.deployment.id}"`);
		expect(Date.parse(body.version.created_on)).not.toBeNaN();
	});

	it("numbers later versions and deployments in sequence and moves the active deployment", async () => {
		const first = await deploy("seq", { modules: [{ name: "index.js", body: workerSource("one") }] });
		const second = await deploy("seq", { modules: [{ name: "index.js", body: workerSource("two") }] });
		expect(second.version.number).toBe(2);
		expect(second.deployment.number).toBe(2);
		const active = await json(await api("/v1/workers/seq/deployments/active"));
		expect(active.id).toBe(second.deployment.id);
		expect(active.id).not.toBe(first.deployment.id);
	});

	it("stores module bodies in R2 by sha256 and serves them back", async () => {
		const source = workerSource("stored");
		const { version } = await deploy("bodies", {
			modules: [
				{ name: "index.js", body: source },
				{ name: "lib/util.js", body: "export const x = 1;" },
			],
		});
		const index = version.modules.find((m) => m.name === "index.js");
		const hex = await sha256Hex(source);
		expect(index?.sha256).toBe(hex);
		expect(await (await env.MODULES.get(`modules/sha256/${hex}`))?.text()).toBe(source);

		const res = await api(`/v1/workers/bodies/versions/${version.id}/modules/lib/util.js`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("application/javascript+module");
		expect(await res.text()).toBe("export const x = 1;");
	});

	it("stores identical modules once in R2, however many versions use them", async () => {
		const before = (await env.MODULES.list({ prefix: "modules/" })).objects.length;
		const body = workerSource("same bytes every time");
		await deploy("dedupe", { modules: [{ name: "index.js", body }] });
		await deploy("dedupe", { modules: [{ name: "index.js", body }], metadata: { bindings: [] } });
		await deploy("dedupe-other", { modules: [{ name: "main.js", body }] });
		const after = (await env.MODULES.list({ prefix: "modules/" })).objects.length;
		expect(after - before).toBe(1);
	});

	it("carries Durable Object migration tags forward", async () => {
		const { version: v1 } = await deploy("durable", {
			metadata: { migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] } },
		});
		expect(v1.migration_tag).toBe("v1");
		const { version: v2 } = await deploy("durable");
		expect(v2.migration_tag).toBe("v1");
		const stale = await api("/v1/workers/durable", {
			method: "PUT",
			body: uploadForm({ metadata: { migrations: { old_tag: "v0", new_tag: "v2", deleted_classes: ["Counter"] } } }),
		});
		expect(stale.status).toBe(409);
		expect((await json(stale)).error.message).toContain('"v0"');
	});
});

describe("POST /v1/workers/:name/versions (upload only)", () => {
	it("records a version without deploying it", async () => {
		const { deployment } = await deploy("staged");
		const res = await uploadVersion("staged", { metadata: { annotations: { "workers/tag": "rc1" } } });
		expect(res.version).toMatchObject({ number: 2, triggered_by: "version_upload", tag: "rc1" });
		expect(res.deployment).toBeNull();
		const active = await json(await api("/v1/workers/staged/deployments/active"));
		expect(active.id).toBe(deployment.id);
	});

	it("refuses a first upload that does not deploy", async () => {
		const res = await api("/v1/workers/never-deployed/versions", { method: "POST", body: uploadForm() });
		expect(res.status).toBe(404);
		expect((await json(res)).error.message).toContain("first upload must deploy");
		expect(await env.DB.prepare("SELECT count(*) AS n FROM versions WHERE worker = 'never-deployed'").first("n")).toBe(
			0,
		);
	});

	it("refuses Durable Object migrations in an upload that does not deploy", async () => {
		await deploy("no-mig");
		const res = await api("/v1/workers/no-mig/versions", {
			method: "POST",
			body: uploadForm({ metadata: { migrations: { new_tag: "v1", new_classes: ["Room"] } } }),
		});
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain("Durable Object migrations");
	});

	it("keeps bindings of the types named in keep_bindings from the latest version", async () => {
		await deploy("keeper", {
			metadata: {
				bindings: [
					{ name: "A", type: "plain_text", text: "a" },
					{ name: "KV", type: "kv_namespace", namespace_id: "ns1" },
				],
			},
		});
		const { version } = await uploadVersion("keeper", {
			metadata: { bindings: [{ name: "B", type: "plain_text", text: "b" }], keep_bindings: ["kv_namespace"] },
		});
		expect(version.bindings.map((b: { name: string }) => b.name).sort()).toEqual(["B", "KV"]);
	});
});

import { describe, expect, it } from "vitest";
import { api, counts, deploy, json, patchJson, uploadVersion } from "./helpers";

describe("PATCH /v1/workers/:name/settings", () => {
	it("makes a copy of the active version with the change and deploys it at 100 %", async () => {
		const first = await deploy("set-basic", {
			metadata: { bindings: [{ name: "GREETING", type: "plain_text", text: "hi" }] },
		});
		const res = await patchJson("/v1/workers/set-basic/settings", {
			vars: { GREETING: "hello", LIMITS: { max: 3 } },
			usage_model: "unbound",
			compatibility_flags: ["nodejs_compat"],
			message: "tune",
		});
		expect(res.status).toBe(201);
		const body = await json(res);
		expect(body.changed).toBe(true);
		expect(body.changes).toEqual([
			{ field: "binding", name: "GREETING", type: "plain_text", change: "changed" },
			{ field: "binding", name: "LIMITS", type: "json", change: "added" },
			{ field: "usage_model", from: "standard", to: "unbound" },
			{ field: "compatibility_flags", added: ["nodejs_compat"], removed: [] },
		]);
		expect(body.version).toMatchObject({
			number: 2,
			triggered_by: "settings",
			message: "tune",
			usage_model: "unbound",
			compatibility_flags: ["nodejs_compat"],
			modules: first.version.modules,
			bindings: [
				{ name: "GREETING", type: "plain_text", text: "hello" },
				{ name: "LIMITS", type: "json", json: { max: 3 } },
			],
		});
		expect(body.deployment).toMatchObject({
			number: 2,
			triggered_by: "settings",
			versions: [{ version_id: body.version.id, percentage: 100 }],
		});
		expect(res.headers.get("etag")).toBe(`"${body.deployment.id}"`);
		const active = await json(await api("/v1/workers/set-basic/deployments/active"));
		expect(active.id).toBe(body.deployment.id);
	});

	it("copies the deployed version, not a newer one that was only uploaded", async () => {
		await deploy("set-base", { metadata: { bindings: [{ name: "A", type: "plain_text", text: "deployed" }] } });
		await uploadVersion("set-base", { metadata: { bindings: [{ name: "A", type: "plain_text", text: "staged" }] } });
		const body = await json(await patchJson("/v1/workers/set-base/settings", { vars: { B: "b" } }));
		expect(body.version.bindings).toEqual([
			{ name: "A", type: "plain_text", text: "deployed" },
			{ name: "B", type: "plain_text", text: "b" },
		]);
		expect(body.version.number).toBe(3);
	});

	it("changes nothing, and says so, when the request restates the current settings", async () => {
		await deploy("set-noop", {
			metadata: {
				bindings: [{ name: "GREETING", type: "plain_text", text: "hi" }],
				compatibility_flags: ["nodejs_compat"],
			},
		});
		const before = await counts("set-noop");
		const res = await patchJson("/v1/workers/set-noop/settings", {
			vars: { GREETING: "hi", ABSENT: null },
			compatibility_date: "2026-11-01",
			compatibility_flags: ["nodejs_compat"],
			usage_model: "standard",
		});
		expect(res.status).toBe(200);
		const body = await json(res);
		expect(body).toMatchObject({ changed: false, changes: [], version: null, deployment: null });
		expect(await counts("set-noop")).toEqual(before);
	});

	it("adds, replaces and removes bindings by name", async () => {
		await deploy("set-bind", {
			metadata: { bindings: [{ name: "OLD", type: "plain_text", text: "x" }] },
		});
		const body = await json(
			await patchJson("/v1/workers/set-bind/settings", {
				bindings: { OLD: null, CACHE: { type: "kv_namespace", namespace_id: "set-bind-ns" } },
			}),
		);
		expect(body.version.bindings).toEqual([{ name: "CACHE", type: "kv_namespace", namespace_id: "set-bind-ns" }]);
	});

	it("refuses invalid bindings, unknown fields and secrets with a 400 that names the field", async () => {
		await deploy("set-bad", { metadata: { bindings: [{ name: "S", type: "secret_text", text: "v" }] } });
		const badBinding = await patchJson("/v1/workers/set-bad/settings", { bindings: { KV: { type: "kv_namespace" } } });
		expect(badBinding.status).toBe(400);
		expect((await json(badBinding)).error.message).toContain("bindings.KV.namespace_id");
		const typo = await patchJson("/v1/workers/set-bad/settings", { usage_modle: "unbound" });
		expect(typo.status).toBe(400);
		const secret = await patchJson("/v1/workers/set-bad/settings", { bindings: { S: null } });
		expect(secret.status).toBe(400);
		expect((await json(secret)).error.message).toContain("/secrets/S");
		const both = await patchJson("/v1/workers/set-bad/settings", { vars: { X: "1" }, bindings: { X: null } });
		expect(both.status).toBe(400);
		expect(await counts("set-bad")).toEqual({ versions: 1, deployments: 1 });
	});

	it("refuses a change while traffic is split between two versions", async () => {
		const { version: v1 } = await deploy("set-split");
		const { version: v2 } = await uploadVersion("set-split");
		await patchJson(
			"/v1/workers/set-split/deployments",
			{
				versions: [
					{ version_id: v1.id, percentage: 50 },
					{ version_id: v2.id, percentage: 50 },
				],
			},
			"POST",
		);
		const res = await patchJson("/v1/workers/set-split/settings", { vars: { A: "a" } });
		expect(res.status).toBe(409);
		expect((await json(res)).error.message).toContain("splits traffic");
	});

	it("is not a Durable Object migration: the copy does not carry the base's migrations", async () => {
		const migrated = await deploy("set-mig", {
			metadata: { migrations: { new_tag: "v1", new_sqlite_classes: ["Room"] } },
		});
		const body = await json(await patchJson("/v1/workers/set-mig/settings", { vars: { A: "a" } }));
		expect(body.version.migration_tag).toBe("v1");
		const back = await patchJson("/v1/workers/set-mig/rollback", { version_id: migrated.version.id }, "POST");
		expect(back.status).toBe(201);
	});

	it("answers 404 for a Worker that does not exist", async () => {
		const res = await patchJson("/v1/workers/set-nobody/settings", { vars: { A: "a" } });
		expect(res.status).toBe(404);
	});
});

describe("what is not a deployment", () => {
	it("deploying Worker B never adds a deployment to Worker A, which has a service binding to B", async () => {
		await deploy("svc-b");
		const a = await deploy("svc-a", { metadata: { bindings: [{ name: "B", type: "service", service: "svc-b" }] } });
		await deploy("svc-b");
		await patchJson("/v1/workers/svc-b/settings", { vars: { X: "1" } });
		expect(await counts("svc-a")).toEqual({ versions: 1, deployments: 1 });
		const active = await json(await api("/v1/workers/svc-a/deployments/active"));
		expect(active.id).toBe(a.deployment.id);
		// And changing A's service binding does not touch B.
		const bBefore = await counts("svc-b");
		await patchJson("/v1/workers/svc-a/settings", {
			bindings: { B: { type: "service", service: "svc-b", entrypoint: "Api" } },
		});
		expect(await counts("svc-b")).toEqual(bBefore);
	});
});

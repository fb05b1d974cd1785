import { describe, expect, it } from "vitest";
import { api, counts, deploy, json, patchJson, uploadForm, uploadVersion } from "./helpers";

describe("resource registry", () => {
	it("registers a bound resource on first use by a deploy", async () => {
		await deploy("res-first", {
			metadata: {
				bindings: [
					{ name: "KV", type: "kv_namespace", namespace_id: "res-first-ns" },
					{ name: "DB", type: "d1", database_id: "res-first-db" },
					{ name: "B", type: "r2_bucket", bucket_name: "res-first-bucket" },
					{ name: "Q", type: "queue", queue_name: "res-first-q" },
				],
			},
		});
		const body = await json(await api("/v1/resources"));
		const mine = body.items.filter((r: { id: string }) => r.id.startsWith("res-first"));
		expect(mine.map((r: { type: string; id: string }) => `${r.type}:${r.id}`).sort()).toEqual([
			"d1:res-first-db",
			"kv_namespace:res-first-ns",
			"queue:res-first-q",
			"r2_bucket:res-first-bucket",
		]);
		expect(mine[0]).toMatchObject({ registered_by: "worker:res-first", deleted_on: null });
	});

	it("POST registers, DELETE marks deleted and keeps the row, POST again brings it back", async () => {
		const created = await patchJson("/v1/resources", { type: "r2_bucket", id: "res-cycle" }, "POST");
		expect(created.status).toBe(201);
		expect((await patchJson("/v1/resources", { type: "r2_bucket", id: "res-cycle" }, "POST")).status).toBe(200);
		const deleted = await api("/v1/resources/r2_bucket/res-cycle", { method: "DELETE" });
		expect(deleted.status).toBe(200);
		expect((await json(deleted)).deleted_on).not.toBeNull();
		const active = await json(await api("/v1/resources?type=r2_bucket"));
		expect(active.items.some((r: { id: string }) => r.id === "res-cycle")).toBe(false);
		const all = await json(await api("/v1/resources?type=r2_bucket&include_deleted=true"));
		expect(all.items.find((r: { id: string }) => r.id === "res-cycle")?.deleted_on).not.toBeNull();
		const revived = await json(await patchJson("/v1/resources", { type: "r2_bucket", id: "res-cycle" }, "POST"));
		expect(revived.deleted_on).toBeNull();
	});

	it("answers 404 for deleting an unknown resource and 400 for an unknown type", async () => {
		expect((await api("/v1/resources/kv_namespace/res-never", { method: "DELETE" })).status).toBe(404);
		expect((await api("/v1/resources/bucket/x", { method: "DELETE" })).status).toBe(400);
		expect((await patchJson("/v1/resources", { type: "hyperdrive", id: "x" }, "POST")).status).toBe(400);
	});

	it("refuses any deploy that binds a deleted resource: upload, version upload, settings, deployment", async () => {
		await deploy("res-refuse", {
			metadata: { bindings: [{ name: "KV", type: "kv_namespace", namespace_id: "res-refuse-ns" }] },
		});
		const staged = await uploadVersion("res-refuse", { metadata: { keep_bindings: ["kv_namespace"] } });
		await api("/v1/resources/kv_namespace/res-refuse-ns?force=true", { method: "DELETE" });
		const before = await counts("res-refuse");

		const upload = await api("/v1/workers/res-refuse", {
			method: "PUT",
			body: uploadForm({ metadata: { keep_bindings: ["kv_namespace"] } }),
		});
		expect(upload.status).toBe(422);
		const error = (await json(upload)).error;
		expect(error.code).toBe("rule_refused");
		expect(error.message).toContain("KV (kv_namespace res-refuse-ns)");
		expect(error.details.reasons[0].code).toBe("resource_deleted");

		const version = await api("/v1/workers/res-refuse/versions", {
			method: "POST",
			body: uploadForm({
				metadata: { bindings: [{ name: "X", type: "kv_namespace", namespace_id: "res-refuse-ns" }] },
			}),
		});
		expect(version.status).toBe(422);
		const settings = await patchJson("/v1/workers/res-refuse/settings", { vars: { A: "a" } });
		expect(settings.status).toBe(422);
		const deployment = await patchJson(
			"/v1/workers/res-refuse/deployments",
			{ versions: [{ version_id: staged.version.id, percentage: 100 }] },
			"POST",
		);
		expect(deployment.status).toBe(422);
		expect(await counts("res-refuse")).toEqual(before);

		// Removing the binding is the way out.
		const fixed = await patchJson("/v1/workers/res-refuse/settings", { bindings: { KV: null } });
		expect(fixed.status).toBe(201);
	});
});

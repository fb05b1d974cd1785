import { describe, expect, it } from "vitest";
import { d1Dump, r2Keys } from "./fixtures/storage";
import { api, deploy, json, uploadForm, workerSource } from "./helpers";

const body = (text: string) => ({ modules: [{ name: "index.js", body: workerSource(text) }] });

/** A dump with some tables' lines left out. */
const withoutTables = (dump: string, tables: string[]) =>
	dump
		.split("\n")
		.filter((line) => !tables.some((t) => line.startsWith(`${t}:`)))
		.join("\n");

describe("a refused request stores nothing in D1 but its audit record", () => {
	it("uploads refused with 412, 422 and 409 leave every D1 table as it was; their bodies wait in R2 for the sweep", async () => {
		const first = await deploy("refused", {
			...body("v1"),
			metadata: {
				bindings: [{ name: "KV", type: "kv_namespace", namespace_id: "refused-ns" }],
				migrations: { new_tag: "v1", new_classes: ["Room"] },
			},
		});
		await api("/v1/resources/kv_namespace/refused-ns?force=true", { method: "DELETE" });
		const before = await d1Dump();
		const r2Before = await r2Keys();

		const stale = await api("/v1/workers/refused", {
			method: "PUT",
			headers: { "if-match": '"not-the-active-one"' },
			body: uploadForm(body("stale")),
		});
		expect(stale.status).toBe(412);
		const deleted = await api("/v1/workers/refused", {
			method: "PUT",
			body: uploadForm({
				...body("deleted"),
				metadata: { bindings: [{ name: "KV", type: "kv_namespace", namespace_id: "refused-ns" }] },
			}),
		});
		expect(deleted.status).toBe(422);
		const wrongTag = await api("/v1/workers/refused", {
			method: "PUT",
			body: uploadForm({ ...body("tag"), metadata: { migrations: { old_tag: "v0", new_tag: "v2" } } }),
		});
		expect(wrongTag.status).toBe(409);
		expect((await json(wrongTag)).error.details.reason).toBe("migration_tag_mismatch");

		// Only the audit log changed: each refusal is recorded there (who, what, why); and each new body got a GC
		// pin, which keeps the sweep away from a body an upload is about to name and lapses after a day.
		expect(await d1Dump({ except: ["audit_log", "module_pins"] })).toEqual(
			withoutTables(before, ["audit_log", "module_pins"]),
		);
		const refusals = await json(await api("/v1/audit-log?worker=refused&outcome=refused"));
		expect(refusals.items.map((e: { status: number }) => e.status).sort()).toEqual([409, 412, 422]);
		// Module bodies are content-addressed and stored before the coordinator decides; a refused upload's
		// new bodies stay in R2, named by nothing, until the audit's garbage collection reclaims them.
		const added = (await r2Keys()).filter((k) => !r2Before.includes(k));
		expect(added.length).toBe(3);
		expect(added).not.toContain(`modules/sha256/${first.version.modules[0]?.sha256}`);
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { supervisorFor } from "../../src/runtime/do/do-rules";
import { deployCode, edge } from "../edge/edge-helpers";
import { api, json } from "../helpers";

/** A Worker whose Durable Object class (named `className`) counts per name and says which code it runs. */
const app = (className: string, label: string) => `
import { DurableObject } from "cloudflare:workers";
export class ${className} extends DurableObject {
	async increment() {
		const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
		await this.ctx.storage.put("n", n);
		return { n, label: ${JSON.stringify(label)} };
	}
}
export default {
	async fetch(request, env) {
		const name = new URL(request.url).pathname.slice(1);
		try { return Response.json(await env.OBJECTS.getByName(name).increment()); }
		catch (e) { return Response.json({ error: e.message }, { status: 500 }); }
	},
};`;

const plain = `export default { fetch() { return new Response("no objects"); } };`;
const bind = (class_name: string) => ({ name: "OBJECTS", type: "durable_object_namespace", class_name });

async function increment(worker: string, name: string) {
	const res = await edge(worker, `/${name}`);
	return { status: res.status, body: (await res.json()) as { n?: number; label?: string; error?: string } };
}

const put = (worker: string, body: string, metadata: Record<string, unknown>) =>
	api(`/v1/workers/${worker}`, {
		method: "PUT",
		body: (() => {
			const form = new FormData();
			form.set("metadata", JSON.stringify({ main_module: "index.js", ...metadata }));
			form.set("index.js", new File([body], "index.js", { type: "application/javascript+module" }));
			return form;
		})(),
	});

async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function liveClasses(worker: string) {
	const { results } = await env.DB.prepare(
		"SELECT class_name, storage_id, deleted_on, destroyed_on FROM durable_object_classes WHERE worker = ?1 ORDER BY created_on, class_name",
	)
		.bind(worker)
		.all<{ class_name: string; storage_id: string; deleted_on: string | null; destroyed_on: string | null }>();
	return results;
}

describe("Durable Object migrations are applied for real", () => {
	it("a new deployment runs existing objects on the new code, with their data", async () => {
		await deployCode("dom-redeploy", app("Counter", "one"), {
			bindings: [bind("Counter")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		expect((await increment("dom-redeploy", "a")).body).toEqual({ n: 1, label: "one" });
		await deployCode("dom-redeploy", app("Counter", "two"), { bindings: [bind("Counter")] });
		expect((await increment("dom-redeploy", "a")).body).toEqual({ n: 2, label: "two" });
	});

	it("a renamed class keeps its objects' data", async () => {
		await deployCode("dom-rename", app("Counter", "before"), {
			bindings: [bind("Counter")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		await increment("dom-rename", "a");
		expect((await increment("dom-rename", "a")).body).toEqual({ n: 2, label: "before" });
		await deployCode("dom-rename", app("Tally", "after"), {
			bindings: [bind("Tally")],
			migrations: { old_tag: "v1", new_tag: "v2", renamed_classes: [{ from: "Counter", to: "Tally" }] },
		});
		expect((await increment("dom-rename", "a")).body).toEqual({ n: 3, label: "after" });
		const classes = await liveClasses("dom-rename");
		expect(classes.map((c) => [c.class_name, c.deleted_on])).toEqual([["Tally", null]]);
	});

	it("a deleted class loses its data, and the rollback across that migration is refused", async () => {
		const first = await deployCode("dom-delete", app("Counter", "one"), {
			bindings: [bind("Counter")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		for (let i = 0; i < 3; i++) await increment("dom-delete", "a");
		await increment("dom-delete", "b");
		const [created] = await liveClasses("dom-delete");
		expect(await supervisorFor(env, created?.storage_id ?? "").usage()).toEqual({ objects: 2 });
		// The supervisor, asked directly, reaches the same object "a" the Worker reached.
		const hex = await sha256Hex("name:a");
		const target = { storage: created?.storage_id ?? "", hex };
		expect(await supervisorFor(env, target.storage).callFacet(target, "increment", [])).toEqual({
			ok: true,
			value: { n: 4, label: "one" },
		});

		// The deploy that deletes the class answers after the data is gone.
		await deployCode("dom-delete", plain, {
			migrations: { old_tag: "v1", new_tag: "v2", deleted_classes: ["Counter"] },
		});
		expect(await supervisorFor(env, created?.storage_id ?? "").usage()).toEqual({ objects: 0 });
		const [deleted] = await liveClasses("dom-delete");
		expect(deleted?.deleted_on).not.toBeNull();
		expect(deleted?.destroyed_on).not.toBeNull();

		const refused = await api("/v1/workers/dom-delete/rollback", {
			method: "POST",
			body: JSON.stringify({ version_id: first.version.id }),
		});
		expect(refused.status).toBe(422);
		const body = await json(refused);
		expect(body.error.details.reasons.map((r: { code: string }) => r.code)).toEqual(["durable_object_migration"]);

		// A class created again under the same name starts empty: the old objects are gone for good.
		await deployCode("dom-delete", app("Counter", "again"), {
			bindings: [bind("Counter")],
			migrations: { old_tag: "v2", new_tag: "v3", new_sqlite_classes: ["Counter"] },
		});
		expect((await increment("dom-delete", "a")).body).toEqual({ n: 1, label: "again" });

		// Past the registry: point the old storage at today's class again and ask object "a" itself. Its storage
		// was deleted with the class, so it starts from nothing (it held 3).
		const old = created?.storage_id ?? "";
		await env.DB.batch([
			env.DB.prepare(
				"UPDATE durable_object_classes SET deleted_on = 'hidden' WHERE worker = 'dom-delete' AND storage_id != ?1",
			).bind(old),
			env.DB.prepare("UPDATE durable_object_classes SET deleted_on = NULL WHERE storage_id = ?1").bind(old),
		]);
		expect(await supervisorFor(env, old).callFacet({ storage: old, hex }, "increment", [])).toEqual({
			ok: true,
			value: { n: 1, label: "again" },
		});
	});

	it("refuses migrations that do not fit the Worker's classes, and bindings to classes without storage", async () => {
		await deployCode("dom-invalid", app("Counter", "one"), {
			bindings: [bind("Counter")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		const cases: [Record<string, unknown>, string][] = [
			[
				{ migrations: { old_tag: "v1", new_tag: "v2", new_sqlite_classes: ["Counter"] } },
				"durable_object_migration_invalid",
			],
			[{ migrations: { old_tag: "v1", new_tag: "v2", deleted_classes: ["Nope"] } }, "durable_object_migration_invalid"],
			[
				{ migrations: { old_tag: "v1", new_tag: "v2", renamed_classes: [{ from: "Nope", to: "Other" }] } },
				"durable_object_migration_invalid",
			],
			[
				{ bindings: [bind("Counter")], migrations: { old_tag: "v1", new_tag: "v2", deleted_classes: ["Counter"] } },
				"durable_object_class_unknown",
			],
			[{ bindings: [bind("Missing")] }, "durable_object_class_unknown"],
		];
		for (const [metadata, reason] of cases) {
			const res = await put("dom-invalid", app("Counter", "x"), metadata);
			const body = await json(res);
			expect([res.status, body.error?.details?.reason], JSON.stringify(body)).toEqual([400, reason]);
		}
		// Nothing was applied: the class and its data are as they were.
		expect((await increment("dom-invalid", "a")).body).toEqual({ n: 1, label: "one" });
	});

	it("a Worker reaches only its own classes: the same class name in two Workers is two sets of objects", async () => {
		for (const worker of ["dom-own-a", "dom-own-b"]) {
			await deployCode(worker, app("Counter", worker), {
				bindings: [bind("Counter")],
				migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
			});
		}
		await increment("dom-own-a", "shared-name");
		expect((await increment("dom-own-a", "shared-name")).body.n).toBe(2);
		expect((await increment("dom-own-b", "shared-name")).body).toEqual({ n: 1, label: "dom-own-b" });
		// Another Worker's class (script_name) is not served.
		await deployCode("dom-other", app("Counter", "x"), {
			bindings: [{ ...bind("Counter"), script_name: "dom-own-a" }],
		});
		expect((await edge("dom-other", "/shared-name")).status).toBe(501);
	});
});

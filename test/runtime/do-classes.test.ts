import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DurableObjectClassView } from "../../src/api/v1/durable-objects";
import { supervisorFor } from "../../src/runtime/do/do-rules";
import type { DurableObjectSupervisor } from "../../src/runtime/do/do-supervisor";
import { deployCode, edge } from "../edge/edge-helpers";
import { createToken } from "../fixtures/tokens";
import { api, json } from "../helpers";

const KiB = 1024;

/** A Worker whose class (named `className`) writes blobs per object name and says which code it runs. */
const app = (className: string, label: string) => `
import { DurableObject } from "cloudflare:workers";
export class ${className} extends DurableObject {
	write(kib) {
		this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS blobs (b BLOB)");
		this.ctx.storage.sql.exec("INSERT INTO blobs VALUES (randomblob(?))", kib * 1024);
		return { rows: this.ctx.storage.sql.exec("SELECT count(*) AS n FROM blobs").one().n, label: ${JSON.stringify(label)} };
	}
}
export default {
	async fetch(request, env) {
		const [, name, kib] = new URL(request.url).pathname.split("/");
		try { return Response.json(await env.OBJECTS.getByName(name).write(Number(kib ?? 0))); }
		catch (e) { return Response.json({ error: e.message }, { status: 500 }); }
	},
};`;

const plain = `export default { fetch() { return new Response("no objects"); } };`;
const bind = (class_name: string) => ({ name: "OBJECTS", type: "durable_object_namespace", class_name });

async function write(
	worker: string,
	name: string,
	kib = 0,
): Promise<{ rows?: number; label?: string; error?: string }> {
	const res = await edge(worker, `/${name}/${kib}`);
	return res.json();
}

async function classes(worker: string, token?: string): Promise<DurableObjectClassView[]> {
	const res = await api(`/v1/workers/${worker}/durable-objects`, { token });
	expect(res.status, await res.clone().text()).toBe(200);
	return (await json<{ items: DurableObjectClassView[] }>(res)).items;
}

/**
 * Points the class's supervisor at an env whose D1 and coordinator namespace count what they are asked (until
 * eviction), so a test sees the round trips that calls to the class's objects cost.
 */
async function countSupervisor(storageId: string) {
	const counts = { d1: 0, classReads: 0, coordinator: 0 };
	const db = new Proxy(env.DB, {
		get(target, key) {
			if (key === "prepare") {
				return (sql: string) => {
					counts.d1 += 1;
					if (/FROM durable_object_classes/.test(sql)) counts.classReads += 1;
					return target.prepare(sql);
				};
			}
			if (key === "batch") counts.d1 += 1;
			const value = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	const coordinators = new Proxy(env.COORDINATOR, {
		get(target, key) {
			if (key === "getByName") counts.coordinator += 1;
			const value = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	await runInDurableObject(supervisorFor(env, storageId), (instance: DurableObjectSupervisor) => {
		Object.defineProperty(instance, "env", {
			value: { ...env, DB: db, COORDINATOR: coordinators },
			configurable: true,
		});
	});
	return counts;
}

async function restoreSupervisor(storageId: string): Promise<void> {
	await runInDurableObject(supervisorFor(env, storageId), (instance: DurableObjectSupervisor) => {
		Object.defineProperty(instance, "env", { value: env, configurable: true });
	});
}

describe("GET /v1/workers/:name/durable-objects", () => {
	it("shows a class after the deploy that creates it, and its bytes grow as its objects write", async () => {
		const created = await deployCode("docls-grow", app("Store", "one"), {
			bindings: [bind("Store")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Store"] },
		});
		const [fresh, ...none] = await classes("docls-grow");
		expect(none).toEqual([]);
		expect(fresh).toMatchObject({
			class_name: "Store",
			storage_id: `${created.version.id}:Store`,
			state: "active",
			created_as: "Store",
			created_version_id: created.version.id,
			created_deployment_id: created.deployment.id,
			created_on: created.version.created_on,
			deleted_on: null,
			deleted_version_id: null,
			deleted_deployment_id: null,
			destroyed_on: null,
			usage: { objects: 0, bytes: 0 },
		});

		expect(await write("docls-grow", "a", 100)).toEqual({ rows: 1, label: "one" });
		const [one] = await classes("docls-grow");
		expect(one?.usage?.objects).toBe(1);
		expect(one?.usage?.bytes).toBeGreaterThan(100 * KiB);

		expect(await write("docls-grow", "a", 200)).toEqual({ rows: 2, label: "one" });
		expect(await write("docls-grow", "b", 100)).toEqual({ rows: 1, label: "one" });
		const [two] = await classes("docls-grow");
		expect(two?.usage?.objects).toBe(2);
		expect(two?.usage?.bytes).toBeGreaterThan((one?.usage?.bytes ?? 0) + 300 * KiB);
		// The figure is the supervisor's own.
		expect(two?.usage).toEqual(await supervisorFor(env, two?.storage_id ?? "").storageUsage());
	});

	it("a renamed class keeps its storage and usage; a deleted one shows as deleted with no usage", async () => {
		await deployCode("docls-life", app("Counter", "one"), {
			bindings: [bind("Counter")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		await write("docls-life", "a", 50);
		const renamed = await deployCode("docls-life", app("Tally", "two"), {
			bindings: [bind("Tally")],
			migrations: { old_tag: "v1", new_tag: "v2", renamed_classes: [{ from: "Counter", to: "Tally" }] },
		});
		const [before] = await classes("docls-life");
		expect(before).toMatchObject({ class_name: "Tally", created_as: "Counter", state: "active" });
		expect(before?.usage?.objects).toBe(1);
		expect(before?.created_deployment_id).not.toBe(renamed.deployment.id);

		const deleted = await deployCode("docls-life", plain, {
			migrations: { old_tag: "v2", new_tag: "v3", deleted_classes: ["Tally"] },
		});
		const again = await deployCode("docls-life", app("Tally", "three"), {
			bindings: [bind("Tally")],
			migrations: { old_tag: "v3", new_tag: "v4", new_sqlite_classes: ["Tally"] },
		});
		const [gone, live, ...none] = await classes("docls-life");
		expect(none).toEqual([]);
		expect(gone).toMatchObject({
			class_name: "Tally",
			storage_id: before?.storage_id,
			state: "deleted",
			created_as: "Counter",
			deleted_version_id: deleted.version.id,
			deleted_deployment_id: deleted.deployment.id,
			usage: null,
		});
		expect(gone?.deleted_on).not.toBeNull();
		expect(gone?.destroyed_on).not.toBeNull();
		expect(live).toMatchObject({
			class_name: "Tally",
			storage_id: `${again.version.id}:Tally`,
			state: "active",
			created_deployment_id: again.deployment.id,
			usage: { objects: 0, bytes: 0 },
		});
	});

	it("a reader of the Worker may list them; a reader of another Worker may not; an unknown Worker is a 404", async () => {
		await deployCode("docls-read", app("Store", "one"), {
			bindings: [bind("Store")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Store"] },
		});
		const reader = await createToken(["read:docls-read"]);
		expect((await classes("docls-read", reader.token)).map((c) => c.class_name)).toEqual(["Store"]);
		const other = await createToken(["read:docls-elsewhere"]);
		const refused = await api("/v1/workers/docls-read/durable-objects", { token: other.token });
		expect(refused.status).toBe(403);

		const missing = await api("/v1/workers/docls-nowhere/durable-objects");
		expect(missing.status).toBe(404);
		expect((await json(missing)).error.details.reason).toBe("worker_not_found");
		await deployCode("docls-none", plain);
		expect(await classes("docls-none")).toEqual([]);
	});
});

describe("a call to a managed Durable Object", () => {
	it("reads no D1 once warm, asks the coordinator once, and follows a rename at once", async () => {
		await deployCode("docls-cost", app("Counter", "one"), {
			bindings: [bind("Counter")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		const [cls] = await classes("docls-cost");
		const storage = cls?.storage_id ?? "";
		expect(await write("docls-cost", "a")).toEqual({ rows: 1, label: "one" });

		const counts = await countSupervisor(storage);
		try {
			for (let i = 2; i <= 6; i++) expect(await write("docls-cost", "a")).toEqual({ rows: i, label: "one" });
			// Five calls: the active deployment asked each time (strict freshness), the class row never.
			expect(counts).toEqual({ d1: 0, classReads: 0, coordinator: 5 });

			// The call right after a deploy that renames the class runs the new code under the new name.
			await deployCode("docls-cost", app("Tally", "two"), {
				bindings: [bind("Tally")],
				migrations: { old_tag: "v1", new_tag: "v2", renamed_classes: [{ from: "Counter", to: "Tally" }] },
			});
			expect(await write("docls-cost", "a")).toEqual({ rows: 7, label: "two" });
			expect(counts.classReads).toBe(1);
			expect(await write("docls-cost", "a")).toEqual({ rows: 8, label: "two" });
			expect(counts.classReads).toBe(1);
			expect(counts.coordinator).toBe(7);
		} finally {
			await restoreSupervisor(storage);
		}
	});

	it("is refused right after the deploy that deletes its class, though the class was just read", async () => {
		await deployCode("docls-gone", app("Counter", "one"), {
			bindings: [bind("Counter")],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		expect(await write("docls-gone", "a")).toEqual({ rows: 1, label: "one" });
		const [cls] = await classes("docls-gone");
		const target = { storage: cls?.storage_id ?? "", hex: "ab".repeat(32) };
		expect(await supervisorFor(env, target.storage).callFacet(target, "write", [0])).toEqual({
			ok: true,
			value: { rows: 1, label: "one" },
		});
		await deployCode("docls-gone", plain, {
			migrations: { old_tag: "v1", new_tag: "v2", deleted_classes: ["Counter"] },
		});
		const refused = await supervisorFor(env, target.storage).callFacet(target, "write", [0]);
		expect(refused).toMatchObject({ ok: false, error: { message: expect.stringMatching(/no longer exists/) } });
		expect(await supervisorFor(env, target.storage).storageUsage()).toEqual({ objects: 0, bytes: 0 });
	});
});

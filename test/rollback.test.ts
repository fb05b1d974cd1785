import { abortAllDurableObjects } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RollbackOutcome } from "../src/coordinator/commands";
import type { Result } from "../src/errors/api-error";
import { coordinatorFor } from "../src/services/coordinator";
import { beforeNextBatch, restoreCoordinator } from "./faults";
import { testApp } from "./fixtures/app";
import { commandFields } from "./fixtures/context";
import { api, counts, deploy, json, patchJson, uploadVersion, workerSource } from "./helpers";

const rollback = (worker: string, body?: unknown) =>
	body === undefined
		? api(`/v1/workers/${worker}/rollback`, { method: "POST" })
		: patchJson(`/v1/workers/${worker}/rollback`, body, "POST");

const codes = async (res: Response) => {
	const body = await json(res);
	return body.error.details.reasons.map((r: { code: string }) => r.code);
};

const deployText = (worker: string, text: string, metadata: Record<string, unknown> = {}) =>
	deploy(worker, { modules: [{ name: "index.js", body: workerSource(text) }], metadata });

/** Calls the app with some configuration changed (the test pool's env comes from wrangler.toml). */
const withVars = (vars: Record<string, string>, path: string, init: RequestInit = {}) => testApp({ vars })(path, init);

describe("POST /v1/workers/:name/rollback", () => {
	it("by default deploys the previous deployment's version at 100 %, recording what it replaced", async () => {
		const one = await deployText("rb-default", "one");
		const two = await deployText("rb-default", "two");
		const res = await rollback("rb-default");
		expect(res.status).toBe(201);
		const body = await json(res);
		expect(body.deployment).toMatchObject({
			number: 3,
			triggered_by: "rollback",
			rollback_from: two.deployment.id,
			versions: [{ version_id: one.version.id, percentage: 100 }],
		});
		expect(body.rollback_from).toBe(two.deployment.id);
		expect(body.target_version.id).toBe(one.version.id);
		expect(body.bound_resources_changed).toBe(false);
		expect(body.warning).toContain("not changed");
		expect(await counts("rb-default")).toEqual({ versions: 2, deployments: 3 });
		const active = await json(await api("/v1/workers/rb-default/deployments/active"));
		expect(active.id).toBe(body.deployment.id);
	});

	it("the default skips split deployments and the version already serving", async () => {
		const one = await deployText("rb-skip", "one");
		const two = await deployText("rb-skip", "two");
		const three = await uploadVersion("rb-skip");
		await patchJson(
			"/v1/workers/rb-skip/deployments",
			{
				versions: [
					{ version_id: two.version.id, percentage: 50 },
					{ version_id: three.version.id, percentage: 50 },
				],
			},
			"POST",
		);
		await patchJson(
			"/v1/workers/rb-skip/deployments",
			{ versions: [{ version_id: two.version.id, percentage: 100 }] },
			"POST",
		);
		const body = await json(await rollback("rb-skip"));
		expect(body.target_version.id).toBe(one.version.id);
	});

	it("targets a version by id or a deployment by id", async () => {
		const one = await deployText("rb-target", "one");
		const two = await deployText("rb-target", "two");
		await deployText("rb-target", "three");
		const byVersion = await json(await rollback("rb-target", { version_id: one.version.id, message: "bad release" }));
		expect(byVersion.deployment).toMatchObject({ message: "bad release", versions: [{ version_id: one.version.id }] });
		const byDeployment = await json(await rollback("rb-target", { deployment_id: two.deployment.id }));
		expect(byDeployment.deployment.versions).toEqual([{ version_id: two.version.id, percentage: 100 }]);
		expect(byDeployment.deployment.rollback_from).toBe(byVersion.deployment.id);
	});

	it("lists the bindings whose data may have moved on", async () => {
		const one = await deployText("rb-state", "one", {
			bindings: [
				{ name: "KV", type: "kv_namespace", namespace_id: "rb-state-ns" },
				{ name: "OTHER", type: "service", service: "elsewhere" },
				{ name: "GREETING", type: "plain_text", text: "hi" },
			],
		});
		await deployText("rb-state", "two");
		const body = await json(await rollback("rb-state", { version_id: one.version.id }));
		expect(body.bindings_with_outside_state).toEqual([
			{ name: "KV", type: "kv_namespace" },
			{ name: "OTHER", type: "service" },
		]);
	});

	it("answers 400/404 for a bad target and creates nothing", async () => {
		await deployText("rb-bad", "one");
		expect((await rollback("rb-bad")).status).toBe(404);
		expect((await rollback("rb-bad", { version_id: "nope" })).status).toBe(404);
		expect((await rollback("rb-bad", { version_id: "a", deployment_id: "b" })).status).toBe(400);
		expect((await rollback("rb-nobody")).status).toBe(404);
		const split = await uploadVersion("rb-bad");
		const active = await json(await api("/v1/workers/rb-bad/deployments/active"));
		const { id } = await json(
			await patchJson(
				"/v1/workers/rb-bad/deployments",
				{
					versions: [
						{ version_id: active.versions[0].version_id, percentage: 90 },
						{ version_id: split.version.id, percentage: 10 },
					],
				},
				"POST",
			),
		);
		const fromSplit = await rollback("rb-bad", { deployment_id: id });
		expect(fromSplit.status).toBe(400);
		expect((await json(fromSplit)).error.message).toContain("version_id");
		expect(await counts("rb-bad")).toEqual({ versions: 2, deployments: 2 });
	});

	describe("refusals: 422 rule_refused with every reason", () => {
		it("refuses a version outside the window of the latest 10", async () => {
			const first = await deployText("rb-window", "v1");
			await deployText("rb-window", "v2");
			for (let i = 3; i <= 11; i++) await uploadVersion("rb-window");
			const res = await rollback("rb-window", { version_id: first.version.id });
			expect(res.status).toBe(422);
			const body = await json(res);
			expect(body.error.code).toBe("rule_refused");
			expect(body.error.details.reasons).toEqual([
				expect.objectContaining({
					code: "outside_window",
					overridable: false,
					details: expect.objectContaining({ window: 10 }),
				}),
			]);
			// A larger configured window lets it through.
			const wider = await withVars({ SHIPLOG_ROLLBACK_WINDOW: "100" }, "/v1/workers/rb-window/rollback", {
				method: "POST",
				body: JSON.stringify({ version_id: first.version.id }),
			});
			expect(wider.status).toBe(201);
		});

		it("refuses across a Durable Object migration", async () => {
			const before = await deployText("rb-do", "one");
			await deployText("rb-do", "two", { migrations: { new_tag: "v1", new_sqlite_classes: ["Room"] } });
			const res = await rollback("rb-do", { version_id: before.version.id });
			expect(res.status).toBe(422);
			expect(await codes(res)).toEqual(["durable_object_migration"]);
		});

		it("refuses a target that binds a deleted R2 bucket, KV namespace or queue", async () => {
			for (const [type, binding] of [
				["r2_bucket", { name: "R", type: "r2_bucket", bucket_name: "rb-gone-bucket" }],
				["kv_namespace", { name: "R", type: "kv_namespace", namespace_id: "rb-gone-ns" }],
				["queue", { name: "R", type: "queue", queue_name: "rb-gone-queue" }],
			] as const) {
				const worker = `rb-gone-${type.replace("_", "-")}`;
				const target = await deployText(worker, "one", { bindings: [binding] });
				await deployText(worker, "two");
				const id =
					"bucket_name" in binding
						? binding.bucket_name
						: "namespace_id" in binding
							? binding.namespace_id
							: binding.queue_name;
				expect((await api(`/v1/resources/${type}/${id}`, { method: "DELETE" })).status).toBe(200);
				const res = await rollback(worker, { version_id: target.version.id });
				expect(res.status).toBe(422);
				expect(await codes(res)).toEqual(["resource_deleted"]);
			}
		});

		it("refuses a target that binds D1 unless SHIPLOG_ROLLBACK_ALLOW_D1 lifts it", async () => {
			const target = await deployText("rb-d1", "one", {
				bindings: [{ name: "DB", type: "d1", database_id: "rb-d1-db" }],
			});
			await deployText("rb-d1", "two");
			const res = await rollback("rb-d1", { version_id: target.version.id });
			expect(res.status).toBe(422);
			expect(await codes(res)).toEqual(["d1_binding"]);
			const lifted = await withVars({ SHIPLOG_ROLLBACK_ALLOW_D1: "true" }, "/v1/workers/rb-d1/rollback", {
				method: "POST",
				body: JSON.stringify({ version_id: target.version.id }),
			});
			expect(lifted.status).toBe(201);
		});

		it("refuses a target that binds a deleted D1 database, even where D1 bindings are allowed", async () => {
			const target = await deployText("rb-d1-gone", "one", {
				bindings: [{ name: "DB", type: "d1", database_id: "rb-d1-gone-db" }],
			});
			await deployText("rb-d1-gone", "two");
			expect((await api("/v1/resources/d1/rb-d1-gone-db", { method: "DELETE" })).status).toBe(200);
			const body = JSON.stringify({ version_id: target.version.id });
			const refused = await rollback("rb-d1-gone", { version_id: target.version.id });
			expect(refused.status).toBe(422);
			expect(await codes(refused)).toEqual(["resource_deleted", "d1_binding"]);
			const lifted = await withVars({ SHIPLOG_ROLLBACK_ALLOW_D1: "true" }, "/v1/workers/rb-d1-gone/rollback", {
				method: "POST",
				body,
			});
			expect(lifted.status).toBe(422);
			expect((await json(lifted)).error.details.reasons).toEqual([
				expect.objectContaining({
					code: "resource_deleted",
					overridable: false,
					details: { resources: [expect.objectContaining({ binding: "DB", type: "d1", id: "rb-d1-gone-db" })] },
				}),
			]);
			const candidates = await json(await api("/v1/workers/rb-d1-gone/rollback-candidates"));
			const listed = candidates.items.find((c: { version: { id: string } }) => c.version.id === target.version.id);
			expect(listed.reasons.map((r: { code: string }) => r.code)).toEqual(["resource_deleted", "d1_binding"]);
			expect(await counts("rb-d1-gone")).toEqual({ versions: 2, deployments: 2 });
		});

		it("refuses when secrets changed since the target unless forced, naming them", async () => {
			await deployText("rb-secret", "one");
			const { version: target } = await json(await patchJson("/v1/workers/rb-secret/secrets/A", { value: "1" }, "PUT"));
			await patchJson("/v1/workers/rb-secret/secrets/A", { value: "2" }, "PUT");
			await patchJson("/v1/workers/rb-secret/secrets/B", { value: "3" }, "PUT");
			const res = await rollback("rb-secret", { version_id: target.id });
			expect(res.status).toBe(422);
			const body = await json(res);
			expect(body.error.details.reasons).toEqual([
				expect.objectContaining({ code: "secrets_changed", overridable: true, details: { secrets: ["A", "B"] } }),
			]);
			expect(body.error.message).toContain("A, B");
			const forced = await rollback("rb-secret", { version_id: target.id, force: true });
			expect(forced.status).toBe(201);
			expect((await json(forced)).overridden.map((r: { code: string }) => r.code)).toEqual(["secrets_changed"]);
		});

		it("takes force as Cloudflare's ?force=true query too", async () => {
			await deployText("rb-force-q", "one");
			const { version: target } = await json(
				await patchJson("/v1/workers/rb-force-q/secrets/A", { value: "1" }, "PUT"),
			);
			await patchJson("/v1/workers/rb-force-q/secrets/A", { value: "2" }, "PUT");
			const body = JSON.stringify({ version_id: target.id });
			expect((await api("/v1/workers/rb-force-q/rollback?force=false", { method: "POST", body })).status).toBe(422);
			expect((await api("/v1/workers/rb-force-q/rollback?force=true", { method: "POST", body })).status).toBe(201);
			expect((await api("/v1/workers/rb-force-q/rollback?force=yes", { method: "POST", body })).status).toBe(400);
		});

		it("refuses a rollback to the version already serving", async () => {
			const only = await deployText("rb-same", "one");
			const res = await rollback("rb-same", { version_id: only.version.id });
			expect(await codes(res)).toEqual(["already_active"]);
		});

		it("lists every reason together, and force does not override the others", async () => {
			const target = await deployText("rb-all", "one", {
				bindings: [
					{ name: "DB", type: "d1", database_id: "rb-all-db" },
					{ name: "KV", type: "kv_namespace", namespace_id: "rb-all-ns" },
					{ name: "S", type: "secret_text", text: "old" },
				],
			});
			await deployText("rb-all", "two", {
				migrations: { new_tag: "v1", new_classes: ["Room"] },
				bindings: [{ name: "S", type: "secret_text", text: "new" }],
			});
			for (let i = 0; i < 10; i++) await uploadVersion("rb-all", { metadata: { keep_bindings: ["secret_text"] } });
			await api("/v1/resources/kv_namespace/rb-all-ns", { method: "DELETE" });
			const res = await rollback("rb-all", { version_id: target.version.id, force: true });
			expect(res.status).toBe(422);
			expect(await codes(res)).toEqual([
				"outside_window",
				"durable_object_migration",
				"resource_deleted",
				"d1_binding",
				"secrets_changed",
			]);
			expect(await counts("rb-all")).toEqual({ versions: 12, deployments: 2 });
		});
	});

	it("a resource deleted between the rollback's check and its commit still refuses it", async () => {
		const one = await deployText("rb-between", "one", {
			bindings: [{ name: "KV", type: "kv_namespace", namespace_id: "rb-between-ns" }],
		});
		await deployText("rb-between", "two");
		await beforeNextBatch(
			"rb-between",
			"UPDATE resources SET deleted_on = '2026-11-30T00:00:00.000Z' WHERE type = 'kv_namespace' AND id = 'rb-between-ns'",
		);
		const res = await api("/v1/workers/rb-between/rollback", {
			method: "POST",
			body: JSON.stringify({ version_id: one.version.id }),
		});
		expect(res.status).toBe(422);
		const body = await json(res);
		expect(body.error.details.reasons.map((r: { code: string }) => r.code)).toContain("resource_deleted");
		expect(await counts("rb-between")).toEqual({ versions: 2, deployments: 2 });
		await restoreCoordinator("rb-between");
	});

	it("the coordinator applies the same rule itself, whichever adapter calls it", async () => {
		const one = await deployText("rb-race", "one", {
			bindings: [{ name: "KV", type: "kv_namespace", namespace_id: "rb-race-ns" }],
		});
		await deployText("rb-race", "two");
		await api("/v1/resources/kv_namespace/rb-race-ns", { method: "DELETE" });
		// Straight to the coordinator, as another adapter (wrangler API, Slack) would go.
		// Rpc types drop a result branch that holds an `unknown` (bindings are loose objects), so name the type.
		const result: Result<RollbackOutcome> = await coordinatorFor(env, "rb-race").rollback({
			...commandFields("rb-race"),
			message: null,
			version_id: one.version.id,
			force: false,
			policy: { window: 10, allow_d1: false },
		});
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.error.code).toBe("rule_refused");
	});
});

describe("GET /v1/workers/:name/rollback-candidates", () => {
	it("shows every version in the window with eligible and its reasons, newest first", async () => {
		const one = await deployText("cand", "one", { bindings: [{ name: "DB", type: "d1", database_id: "cand-db" }] });
		const two = await deployText("cand", "two");
		await patchJson("/v1/workers/cand/secrets/S", { value: "x" }, "PUT");
		const res = await api("/v1/workers/cand/rollback-candidates");
		expect(res.status).toBe(200);
		const body = await json(res);
		expect(body.window).toBe(10);
		expect(
			body.items.map(
				(i: {
					version: { number: number };
					active: boolean;
					eligible: boolean;
					eligible_with_force: boolean;
					reasons: { code: string }[];
				}) => [i.version.number, i.active, i.eligible, i.eligible_with_force, i.reasons.map((r) => r.code)],
			),
		).toEqual([
			[3, true, false, false, ["already_active"]],
			[2, false, false, true, ["secrets_changed"]],
			[1, false, false, false, ["d1_binding", "secrets_changed"]],
		]);
		expect(body.items[1].version.id).toBe(two.version.id);
		expect(body.items[2].version.id).toBe(one.version.id);
	});

	it("only lists the latest N versions", async () => {
		await deployText("cand-window", "one");
		for (let i = 0; i < 11; i++) await uploadVersion("cand-window");
		const body = await json(await api("/v1/workers/cand-window/rollback-candidates"));
		expect(body.items).toHaveLength(10);
		expect(body.items.at(-1).version.number).toBe(3);
		const wide = await json(
			await withVars({ SHIPLOG_ROLLBACK_WINDOW: "100" }, "/v1/workers/cand-window/rollback-candidates"),
		);
		expect(wide.items).toHaveLength(12);
	});
});

describe("deploying an older version is a rollback, however it is asked for", () => {
	const deployVersion = (worker: string, versionId: string, query = "", extra: Record<string, unknown> = {}) =>
		patchJson(
			`/v1/workers/${worker}/deployments${query}`,
			{ versions: [{ version_id: versionId, percentage: 100 }], ...extra },
			"POST",
		);

	it("POST /deployments of an older version meets the rollback rules", async () => {
		const before = await deployText("older-do", "one");
		await deployText("older-do", "two", { migrations: { new_tag: "v1", new_sqlite_classes: ["Room"] } });
		const res = await deployVersion("older-do", before.version.id);
		expect(res.status).toBe(422);
		expect(await codes(res)).toEqual(["durable_object_migration"]);
		expect((await counts("older-do")).deployments).toBe(2);
	});

	it("is recorded as a rollback from the deployment it replaced, and force overrides changed secrets", async () => {
		await deployText("older-secret", "one");
		const { version: target } = await json(
			await patchJson("/v1/workers/older-secret/secrets/A", { value: "1" }, "PUT"),
		);
		const { deployment: replaced } = await json(
			await patchJson("/v1/workers/older-secret/secrets/A", { value: "2" }, "PUT"),
		);
		expect(await codes(await deployVersion("older-secret", target.id))).toEqual(["secrets_changed"]);
		const forced = await deployVersion("older-secret", target.id, "?force=true");
		expect(forced.status).toBe(201);
		expect(await json(forced)).toMatchObject({ triggered_by: "rollback", rollback_from: replaced.id });
	});

	it("moving all traffic to the older half of a split is a rollback that needs no rule check", async () => {
		const one = await deployText("older-split", "one");
		const { version: two } = await uploadVersion("older-split");
		const split = await patchJson(
			"/v1/workers/older-split/deployments",
			{
				versions: [
					{ version_id: one.version.id, percentage: 50 },
					{ version_id: two.id, percentage: 50 },
				],
			},
			"POST",
		);
		const back = await deployVersion("older-split", one.version.id);
		expect(back.status).toBe(201);
		expect(await json(back)).toMatchObject({ triggered_by: "rollback", rollback_from: (await json(split)).id });
	});

	it("a newer version at 100 % stays an ordinary deployment", async () => {
		await deployText("newer", "one");
		const { version } = await uploadVersion("newer");
		const res = await deployVersion("newer", version.id);
		expect(await json(res)).toMatchObject({ triggered_by: "deployment", rollback_from: null });
	});
});

describe("the default rollback target", () => {
	it("is the previous full deployment of another version, whether the coordinator remembers it or restarted", async () => {
		const code = (text: string) => ({ modules: [{ name: "index.js", body: workerSource(text) }] });
		const a = await deploy("rb-memory", code("a"));
		const b = await deploy("rb-memory", code("b"));
		const c = await deploy("rb-memory", code("c"));
		const first = await json(await rollback("rb-memory"));
		expect(first.target_version.id).toBe(b.version.id);
		const second = await json(await rollback("rb-memory"));
		expect(second.target_version.id).toBe(c.version.id);
		await abortAllDurableObjects();
		const third = await json(await rollback("rb-memory"));
		expect(third.target_version.id).toBe(b.version.id);
		expect(third.deployment.number).toBe(6);
		expect(a.version.id).not.toBe(b.version.id);
	});
});

import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { checkWorkerInvariants } from "../src/audit/invariants";
import type { WorkerCoordinator } from "../src/coordinator/worker-coordinator";
import { testDeps } from "../src/deps/test-deps";
import { coordinatorFor } from "../src/services/coordinator";
import { breakCoordinatorD1, restoreCoordinator } from "./faults";
import { testApp } from "./fixtures/app";
import { api, BASE, deploy, json, TOKEN, uploadForm, uploadVersion, workerSource } from "./helpers";

const put = (name: string, headers: Record<string, string> = {}, body = "same code") =>
	api(`/v1/workers/${name}`, {
		method: "PUT",
		headers,
		body: uploadForm({ modules: [{ name: "index.js", body: workerSource(body) }] }),
	});

async function deploymentCount(worker: string): Promise<number> {
	return (
		(await env.DB.prepare("SELECT count(*) AS n FROM deployments WHERE worker = ?1").bind(worker).first<number>("n")) ??
		0
	);
}

async function expectConsistent(worker: string) {
	expect(await checkWorkerInvariants(env, worker)).toEqual([]);
}

describe("Idempotency-Key", () => {
	it("a retry with the same key returns the original response and creates nothing", async () => {
		const first = await put("idem", { "idempotency-key": "deploy-1" });
		expect(first.status).toBe(201);
		const original = await json(first);
		// A retry builds a new multipart body (new boundary): it is still the same request.
		const retry = await put("idem", { "idempotency-key": "deploy-1" });
		expect(retry.status).toBe(201);
		expect(retry.headers.get("idempotent-replayed")).toBe("true");
		expect(await json(retry)).toEqual(original);
		expect(await deploymentCount("idem")).toBe(1);
		await expectConsistent("idem");
	});

	it("the same key with a different request is a 422 and changes nothing", async () => {
		await put("idem-diff", { "idempotency-key": "k" }, "v1");
		const res = await put("idem-diff", { "idempotency-key": "k" }, "v2");
		expect(res.status).toBe(422);
		expect((await json(res)).error.code).toBe("idempotency_key_reused");
		expect(await deploymentCount("idem-diff")).toBe(1);
	});

	it("keys are per Worker and per request kind", async () => {
		await put("idem-a", { "idempotency-key": "shared" });
		expect((await put("idem-b", { "idempotency-key": "shared" })).status).toBe(201);
		const { version } = await uploadVersion("idem-a");
		const deployBody = JSON.stringify({ versions: [{ version_id: version.id, percentage: 100 }] });
		const res = await api("/v1/workers/idem-a/deployments", {
			method: "POST",
			headers: { "idempotency-key": "shared" },
			body: deployBody,
		});
		expect(res.status).toBe(422);
	});

	it("a key whose first request is still running is a 409", async () => {
		await deploy("idem-busy");
		const stub = coordinatorFor(env, "idem-busy");
		// Hold the coordinator's queue so the first request stays in flight.
		let release = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		await runInDurableObject(stub, (instance: WorkerCoordinator) => {
			(instance as unknown as { queue: { tail: Promise<unknown> } }).queue.tail = held;
		});
		const first = put("idem-busy", { "idempotency-key": "slow" });
		await new Promise((r) => setTimeout(r, 50));
		const second = await put("idem-busy", { "idempotency-key": "slow" });
		expect(second.status).toBe(409);
		expect((await json(second)).error.message).toContain("still running");
		release();
		expect((await first).status).toBe(201);
		expect(await deploymentCount("idem-busy")).toBe(2);
	});

	it("deployments accept keys too, and expire after 24 hours", async () => {
		const { version } = await deploy("idem-dep");
		const deps = testDeps(new Date());
		const app = testApp({ deps });
		const body = JSON.stringify({ versions: [{ version_id: version.id, percentage: 100 }] });
		const call = () =>
			app("/v1/workers/idem-dep/deployments", { method: "POST", headers: { "idempotency-key": "d" }, body });
		const a = await json(await call());
		deps.clock.advance(23 * 60 * 60 * 1000);
		const b = await json(await call());
		expect(b.id).toBe(a.id);
		deps.clock.advance(60 * 60 * 1000 + 1);
		const c = await json(await call());
		expect(c.id).not.toBe(a.id);
		expect(await deploymentCount("idem-dep")).toBe(3);
	});

	it("refuses a malformed key", async () => {
		const res = await put("idem-bad", { "idempotency-key": "has space" });
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain("Idempotency-Key");
	});
});

describe("If-Match", () => {
	it("a change conditional on the active deployment goes through while it holds, and is 412 once it moved", async () => {
		const { deployment } = await deploy("cond");
		const ok = await put("cond", { "if-match": `"${deployment.id}"` }, "v2");
		expect(ok.status).toBe(201);
		const moved = await put("cond", { "if-match": `"${deployment.id}"` }, "v3");
		expect(moved.status).toBe(412);
		const body = await json(moved);
		expect(body.error.code).toBe("precondition_failed");
		expect(body.error.details.active_deployment_id).toBe((await json(ok)).deployment.id);
		expect(await deploymentCount("cond")).toBe(2);
	});

	it("applies to POST deployments, and If-Match: * needs an existing deployment", async () => {
		expect((await put("cond-new", { "if-match": "*" })).status).toBe(412);
		const { version, deployment } = await deploy("cond-new");
		const body = JSON.stringify({ versions: [{ version_id: version.id, percentage: 100 }] });
		const stale = await api("/v1/workers/cond-new/deployments", {
			method: "POST",
			headers: { "if-match": '"nope"' },
			body,
		});
		expect(stale.status).toBe(412);
		const fresh = await api("/v1/workers/cond-new/deployments", {
			method: "POST",
			headers: { "if-match": `"${deployment.id}"` },
			body,
		});
		expect(fresh.status).toBe(201);
	});

	it("the ETag of the Worker and of its active deployment is what If-Match takes", async () => {
		await deploy("cond-etag");
		const etag = (await api("/v1/workers/cond-etag/deployments/active")).headers.get("etag") ?? "";
		expect((await api("/v1/workers/cond-etag")).headers.get("etag")).toBe(etag);
		expect((await put("cond-etag", { "if-match": etag }, "next")).status).toBe(201);
	});

	it("refuses a malformed If-Match", async () => {
		expect((await put("cond-bad", { "if-match": '"a" "b"' })).status).toBe(400);
	});
});

describe("crash safety: a failure at any step leaves no visible partial state and a retry completes once", () => {
	const served = async (worker: string) => (await exports.default.fetch(`${BASE}/w/${worker}/`)).text();

	it("D1 loses the batch: 503 with Retry-After, nothing visible, the retry lands once", async () => {
		const { deployment } = await deploy("fault-lost", { modules: [{ name: "index.js", body: workerSource("v1") }] });
		await breakCoordinatorD1("fault-lost", "lose-batch");
		const res = await put("fault-lost", { "idempotency-key": "r1" }, "v2");
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).toBe("2");
		expect(await deploymentCount("fault-lost")).toBe(1);
		expect((await json(await api("/v1/workers/fault-lost/deployments/active"))).id).toBe(deployment.id);
		expect(await served("fault-lost")).toBe("v1");
		await restoreCoordinator("fault-lost");
		await expectConsistent("fault-lost");

		const retry = await put("fault-lost", { "idempotency-key": "r1" }, "v2");
		expect(retry.status).toBe(201);
		expect(await served("fault-lost")).toBe("v2");
		expect(await deploymentCount("fault-lost")).toBe(2);
		await expectConsistent("fault-lost");
	});

	it("D1 commits but the reply is lost: the coordinator finds the write and reports success, once", async () => {
		await deploy("fault-reply");
		await breakCoordinatorD1("fault-reply", "lose-reply");
		const res = await put("fault-reply", { "idempotency-key": "r2" }, "v2");
		expect(res.status).toBe(201);
		const first = await json(res);
		expect(await served("fault-reply")).toBe("v2");
		await restoreCoordinator("fault-reply");
		await expectConsistent("fault-reply");
		const retry = await put("fault-reply", { "idempotency-key": "r2" }, "v2");
		expect((await json(retry)).deployment.id).toBe(first.deployment.id);
		expect(await deploymentCount("fault-reply")).toBe(2);
	});

	it("D1 commits then goes away: 503, and the alarm settles the write once D1 is back", async () => {
		await deploy("fault-alarm");
		await breakCoordinatorD1("fault-alarm", "down-after-batch");
		const res = await put("fault-alarm", { "idempotency-key": "r3" }, "v2");
		expect(res.status).toBe(503);
		const stub = coordinatorFor(env, "fault-alarm");
		const pending = await runInDurableObject(stub, (_i: WorkerCoordinator, state) =>
			state.storage.sql.exec("SELECT count(*) AS n FROM pending").one(),
		);
		expect(pending.n).toBe(1);
		await restoreCoordinator("fault-alarm");
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		await expectConsistent("fault-alarm");
		const retry = await put("fault-alarm", { "idempotency-key": "r3" }, "v2");
		expect(retry.status).toBe(201);
		expect(retry.headers.get("idempotent-replayed")).toBe("true");
		expect(await deploymentCount("fault-alarm")).toBe(2);
	});

	it("the coordinator is evicted mid-operation: its successor settles the unfinished write", async () => {
		await deploy("fault-evict");
		await breakCoordinatorD1("fault-evict", "down-after-batch");
		expect((await put("fault-evict", { "idempotency-key": "r4" }, "v2")).status).toBe(503);
		await abortAllDurableObjects();
		// A fresh instance with working bindings: the pending record survived in its storage.
		const next = await put("fault-evict", {}, "v3");
		expect(next.status).toBe(201);
		expect((await json(next)).deployment.number).toBe(3);
		await expectConsistent("fault-evict");
		const retry = await put("fault-evict", { "idempotency-key": "r4" }, "v2");
		expect(retry.headers.get("idempotent-replayed")).toBe("true");
		expect(await deploymentCount("fault-evict")).toBe(3);
	});

	it("the coordinator's own storage fails after D1 committed: the change is reported made, and the next operation adopts it", async () => {
		await deploy("fault-local");
		const stub = coordinatorFor(env, "fault-local");
		await runInDurableObject(stub, (instance: WorkerCoordinator) => {
			const target = (instance as unknown as { local: { write: (s: unknown) => void } }).local;
			const original = target.write.bind(target);
			let failures = 1;
			target.write = (s: unknown) => {
				if (failures-- > 0) throw new Error("SQLITE_FULL (injected)");
				original(s);
			};
		});
		// Nothing after a commit may report failure: the change is in D1, so the client hears it was made.
		const res = await put("fault-local", { "idempotency-key": "r5" }, "v2");
		expect(res.status).toBe(201);
		const retry = await put("fault-local", { "idempotency-key": "r5" }, "v2");
		expect(retry.status).toBe(201);
		expect(retry.headers.get("idempotent-replayed")).toBe("true");
		expect(await deploymentCount("fault-local")).toBe(2);
		await expectConsistent("fault-local");
		const next = await put("fault-local", {}, "v3");
		expect(next.status).toBe(201);
		expect(await deploymentCount("fault-local")).toBe(3);
		await expectConsistent("fault-local");
	});

	it("the coordinator stops after D1 committed, before it wrote anything of its own: its successor adopts D1's counters", async () => {
		await deploy("fault-gone", { modules: [{ name: "index.js", body: workerSource("v1") }] });
		const stub = coordinatorFor(env, "fault-gone");
		// Its storage refuses every write of this change, as if the instance had stopped right after the batch.
		await runInDurableObject(stub, (instance: WorkerCoordinator) => {
			type Methods = Record<"write" | "writePending", (...a: unknown[]) => void>;
			const target = (instance as unknown as { local: Methods }).local;
			for (const method of ["write", "writePending"] as const) {
				const original = target[method].bind(target);
				let failures = 1;
				target[method] = (...args: unknown[]) => {
					if (failures-- > 0) throw new Error("instance gone (injected)");
					original(...args);
				};
			}
		});
		const res = await put("fault-gone", { "idempotency-key": "r6" }, "v2");
		expect(res.status).toBe(201);
		const made = (await json(res)).deployment;
		await abortAllDurableObjects();

		// The new instance holds the old counters and no pending write; its first answer comes from D1's.
		expect(await served("fault-gone")).toBe("v2");
		expect((await json(await api("/v1/workers/fault-gone/deployments/active"))).id).toBe(made.id);
		await expectConsistent("fault-gone");
		const retry = await put("fault-gone", { "idempotency-key": "r6" }, "v2");
		expect(retry.headers.get("idempotent-replayed")).toBe("true");
		const next = await put("fault-gone", {}, "v3");
		expect(next.status).toBe(201);
		expect((await json(next)).deployment.number).toBe(3);
		expect(await served("fault-gone")).toBe("v3");
		await expectConsistent("fault-gone");
	});

	it("R2 refuses the modules: 503, nothing recorded, the retry lands", async () => {
		const failingR2 = new Proxy(env.MODULES, {
			get(target, prop, receiver) {
				if (prop === "put" || prop === "head") return () => Promise.reject(new Error("R2 unavailable (injected)"));
				return Reflect.get(target, prop, receiver);
			},
		});
		const app = createApp();
		const request = () =>
			new Request(`${BASE}/v1/workers/fault-r2`, {
				method: "PUT",
				headers: { authorization: `Bearer ${TOKEN}`, "idempotency-key": "r6" },
				body: uploadForm(),
			});
		const res = await app.fetch(request(), { ...env, MODULES: failingR2 });
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).toBe("2");
		expect((await api("/v1/workers/fault-r2")).status).toBe(404);
		expect((await app.fetch(request(), env)).status).toBe(201);
		await expectConsistent("fault-r2");
	});
});

describe("rollback, settings and secret changes take the same preconditions", () => {
	const patch = (name: string, vars: Record<string, string>, headers: Record<string, string> = {}) =>
		api(`/v1/workers/${name}/settings`, { method: "PATCH", headers, body: JSON.stringify({ vars }) });

	it("settings: If-Match is 412 once the active deployment moved; Idempotency-Key replays", async () => {
		const { deployment } = await deploy("pre-settings");
		const first = await patch(
			"pre-settings",
			{ A: "1" },
			{ "if-match": `"${deployment.id}"`, "idempotency-key": "s1" },
		);
		expect(first.status).toBe(201);
		const replay = await patch("pre-settings", { A: "1" }, { "idempotency-key": "s1" });
		expect(replay.headers.get("idempotent-replayed")).toBe("true");
		expect((await json(replay)).deployment.id).toBe((await json(first)).deployment.id);
		const stale = await patch("pre-settings", { A: "2" }, { "if-match": `"${deployment.id}"` });
		expect(stale.status).toBe(412);
		expect(await deploymentCount("pre-settings")).toBe(2);
	});

	it("secrets: If-Match and Idempotency-Key, and the key's fingerprint holds no secret value", async () => {
		const { deployment } = await deploy("pre-secret");
		const put = (headers: Record<string, string>, value = "s3cr3t-value") =>
			api("/v1/workers/pre-secret/secrets/TOKEN", { method: "PUT", headers, body: JSON.stringify({ value }) });
		expect((await put({ "if-match": '"elsewhere"' })).status).toBe(412);
		const first = await put({ "if-match": `"${deployment.id}"`, "idempotency-key": "p1" });
		expect(first.status).toBe(201);
		expect((await put({ "idempotency-key": "p1" })).headers.get("idempotent-replayed")).toBe("true");
		const stored = await env.DB.prepare(
			"SELECT fingerprint, result FROM idempotency_keys WHERE worker = 'pre-secret'",
		).all();
		expect(JSON.stringify(stored.results)).not.toContain("s3cr3t-value");
		const del = await api("/v1/workers/pre-secret/secrets/TOKEN", {
			method: "DELETE",
			headers: { "if-match": '"old"' },
		});
		expect(del.status).toBe(412);
		expect(await deploymentCount("pre-secret")).toBe(2);
	});

	it("rollback: If-Match is 412 once the active deployment moved; Idempotency-Key rolls back once", async () => {
		const { version: v1 } = await deploy("pre-rollback", { modules: [{ name: "index.js", body: workerSource("1") }] });
		const { deployment: d2 } = await deploy("pre-rollback", {
			modules: [{ name: "index.js", body: workerSource("2") }],
		});
		const rollback = (headers: Record<string, string>) =>
			api("/v1/workers/pre-rollback/rollback", {
				method: "POST",
				headers,
				body: JSON.stringify({ version_id: v1.id, message: "bad release" }),
			});
		expect((await rollback({ "if-match": '"not-it"' })).status).toBe(412);
		const first = await rollback({ "if-match": `"${d2.id}"`, "idempotency-key": "rb" });
		expect(first.status).toBe(201);
		const again = await rollback({ "idempotency-key": "rb" });
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(await deploymentCount("pre-rollback")).toBe(3);
		await expectConsistent("pre-rollback");
	});
});

describe("If-Match can be required", () => {
	const withRequired = testApp({ vars: { SHIPLOG_REQUIRE_IF_MATCH: "true" } });

	it("428 for a change that would replace the active deployment without If-Match; first deploys and uploads pass", async () => {
		const first = await withRequired("/v1/workers/strict", { method: "PUT", body: uploadForm() });
		expect(first.status).toBe(201);
		const { deployment } = await json(first);
		const blind = await withRequired("/v1/workers/strict", { method: "PUT", body: uploadForm() });
		expect(blind.status).toBe(428);
		expect((await json(blind)).error).toMatchObject({
			code: "precondition_required",
			details: { active_deployment_id: deployment.id },
		});
		expect((await withRequired("/v1/workers/strict/versions", { method: "POST", body: uploadForm() })).status).toBe(
			201,
		);
		const settings = await withRequired("/v1/workers/strict/settings", {
			method: "PATCH",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ vars: { A: "1" } }),
		});
		expect(settings.status).toBe(428);
		const conditional = await withRequired("/v1/workers/strict", {
			method: "PUT",
			headers: { "if-match": `"${deployment.id}"` },
			body: uploadForm(),
		});
		expect(conditional.status).toBe(201);
		expect(await deploymentCount("strict")).toBe(2);
	});
});

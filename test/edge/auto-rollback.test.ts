import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeployCommand } from "../../src/coordinator/commands";
import type { WorkerCoordinator } from "../../src/coordinator/worker-coordinator";
import type { Deployment } from "../../src/core/model";
import type { TrafficReport } from "../../src/edge/health/health-window";
import { coordinatorFor } from "../../src/services/coordinator";
import { commandFields } from "../fixtures/context";
import { api, json } from "../helpers";
import { deployCode, edge, eventually, health, reporter, split, uploadCode } from "./edge-helpers";

const overrides = (worker: string, version: string) => ({
	"cloudflare-workers-version-overrides": `${worker}="${version}"`,
});

async function active(worker: string) {
	return json(await api(`/v1/workers/${worker}/deployments/active`));
}

// The test configuration (vitest.config.ts) rolls back above a 50 % error rate over at least 10 requests.
describe("automatic rollback of a gradual deployment", () => {
	it("rolls a failing new version back to the old one at 100 %, with the figures in the message", async () => {
		const { version: v1 } = await deployCode("ar-fail", reporter("v1"));
		const { version: v2 } = await uploadCode(
			"ar-fail",
			`export default { fetch() { throw new Error("bad release"); } };`,
		);
		// Only traffic the split assigns is judged: all of it goes to the new version here.
		const gradual = await split("ar-fail", [
			{ version_id: v1.id, percentage: 0 },
			{ version_id: v2.id, percentage: 100 },
		]);
		const statuses: number[] = [];
		for (let i = 0; i < 12; i++) statuses.push((await edge("ar-fail", "/")).status);
		// Counts reach the coordinator in the background, so the rollback may already serve the last few.
		expect(statuses.slice(0, 10)).toEqual(Array(10).fill(500));
		const rollback = await eventually(async () => {
			const now = await active("ar-fail");
			return now.id !== gradual.id ? now : null;
		});
		expect(rollback).toMatchObject({
			triggered_by: "auto_rollback",
			rollback_from: gradual.id,
			source: "edge",
			versions: [{ version_id: v1.id, percentage: 100 }],
		});
		expect(rollback.message).toMatch(/version .+ failed \d+ of \d+ requests \(100%, \d+ exceptions\)/);
		expect(rollback.message).toContain("threshold is 50% over at least 10 requests");
		const next = await edge("ar-fail", "/", { headers: overrides("ar-fail", v2.id) });
		expect(next.headers.get("shiplog-version-id")).toBe(v1.id);
	});

	it("leaves a healthy rollout alone", async () => {
		const { version: v1 } = await deployCode("ar-ok", reporter("v1"));
		const { version: v2 } = await uploadCode("ar-ok", reporter("v2"));
		const gradual = await split("ar-ok", [
			{ version_id: v1.id, percentage: 0 },
			{ version_id: v2.id, percentage: 100 },
		]);
		for (let i = 0; i < 30; i++) expect((await edge("ar-ok", "/")).status).toBe(200);
		const h = await eventually(async () => {
			const snapshot = await health("ar-ok");
			const counted = snapshot.active_deployment?.versions.find((v: { version_id: string }) => v.version_id === v2.id);
			return counted?.requests === 30 ? snapshot : null;
		});
		expect(h.active_deployment.versions).toContainEqual(
			expect.objectContaining({ version_id: v2.id, requests: 30, errors: 0, percentage: 100 }),
		);
		expect((await active("ar-ok")).id).toBe(gradual.id);
	});

	it("does not roll back a failing old version: only the version being rolled out is judged", async () => {
		const { version: v1 } = await deployCode("ar-old", `export default { fetch() { throw new Error("old bug"); } };`);
		const { version: v2 } = await uploadCode("ar-old", reporter("v2"));
		const gradual = await split("ar-old", [
			{ version_id: v1.id, percentage: 100 },
			{ version_id: v2.id, percentage: 0 },
		]);
		for (let i = 0; i < 12; i++) await edge("ar-old", "/");
		await eventually(async () => {
			const snapshot = await health("ar-old");
			return (
				snapshot.active_deployment?.versions.find((v: { version_id: string }) => v.version_id === v1.id)?.requests ===
				12
			);
		});
		expect((await active("ar-old")).id).toBe(gradual.id);
	});

	it("reports health through the API with the policy it applies", async () => {
		await deployCode("ar-health", reporter("v1"));
		const h = await health("ar-health");
		expect(h).toMatchObject({
			worker: "ar-health",
			window_seconds: 300,
			auto_rollback: { enabled: true, error_rate_threshold: 0.5, min_requests: 10 },
		});
		expect((await api("/v1/workers/nope-none/health")).status).toBe(404);
	});
});

/**
 * A failing new version in a split that sends it all traffic (only traffic the split assigns is judged):
 * `failing` reports push it over the threshold (10 requests, 50 %).
 */
async function failingRollout(worker: string) {
	const { version: v1 } = await deployCode(worker, reporter("v1"));
	const { version: v2 } = await uploadCode(worker, `export default { fetch() { throw new Error("bad"); } };`);
	const gradual = await split(worker, [
		{ version_id: v1.id, percentage: 0 },
		{ version_id: v2.id, percentage: 100 },
	]);
	const failing: TrafficReport[] = [
		{ deployment_id: gradual.id, version_id: v2.id, requests: 12, errors: 12, exceptions: 12 },
	];
	return { v1, v2, gradual, failing };
}

/** D1 whose first batch waits until `open()`: holds a change inside the coordinator between plan and commit. */
function gatedD1(real: D1Database) {
	let open = () => {};
	const opened = new Promise<void>((resolve) => (open = resolve));
	let gated = false;
	const db = new Proxy(real, {
		get(target, prop, receiver) {
			if (prop === "batch") {
				return async (statements: D1PreparedStatement[]) => {
					if (!gated) {
						gated = true;
						await opened;
					}
					return target.batch(statements);
				};
			}
			const value = Reflect.get(target, prop, receiver);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { db, open };
}

/** Counts the automatic rollbacks the coordinator attempts, and lets a test wait for the first. */
function watchAutoRollbacks(instance: WorkerCoordinator) {
	const deploy = instance.deploy.bind(instance);
	let attempted = () => {};
	const watch = { attempts: 0, first: new Promise<void>((resolve) => (attempted = resolve)) };
	Object.defineProperty(instance, "deploy", {
		configurable: true,
		value: (command: DeployCommand) => {
			if (command.triggered_by === "auto_rollback") {
				watch.attempts += 1;
				attempted();
			}
			return deploy(command);
		},
	});
	return watch;
}

const deploymentsOf = async (worker: string) =>
	(await json(await api(`/v1/workers/${worker}/deployments?limit=50`))).items as Deployment[];

describe("automatic rollback never overrides a person, and fires once per deployment", () => {
	it("a person's deployment that lands between the decision and the rollback wins: the rollback is dropped (If-Match)", async () => {
		const worker = "ar-race";
		const { gradual, failing } = await failingRollout(worker);
		const { version: v3 } = await uploadCode(worker, reporter("v3"));
		await runInDurableObject(coordinatorFor(env, worker), async (instance: WorkerCoordinator) => {
			const gate = gatedD1(env.DB);
			Object.defineProperty(instance, "env", { value: { ...env, DB: gate.db }, configurable: true });
			const watch = watchAutoRollbacks(instance);
			// The person's release is planned against the split and waits to commit ...
			const person = instance.deploy({
				...commandFields(worker),
				author: { id: "person", email: "person@example.com" },
				message: "fix forward",
				triggered_by: "deployment",
				versions: [{ version_id: v3.id, percentage: 100 }],
				force: false,
				policy: { window: 10, allow_d1: false },
			});
			// ... while the failing traffic makes the coordinator decide to roll the split back.
			const decision = instance.recordTraffic(worker, failing);
			await watch.first;
			gate.open();
			const [landed, rollback] = await Promise.all([person, decision]);
			Object.defineProperty(instance, "env", { value: env, configurable: true });
			expect(landed.ok).toBe(true);
			expect(rollback).toMatchObject({ ok: false, error: { code: "precondition_failed" } });
			expect(watch.attempts).toBe(1);
		});
		const active = await json(await api(`/v1/workers/${worker}/deployments/active`));
		expect(active).toMatchObject({ triggered_by: "deployment", versions: [{ version_id: v3.id, percentage: 100 }] });
		const log = await deploymentsOf(worker);
		expect(log.filter((d) => d.triggered_by === "auto_rollback")).toEqual([]);
		expect(log.map((d) => d.number)).toEqual([3, 2, 1]);
		expect(log[1]?.id).toBe(gradual.id);
	});

	it("a burst of failing traffic rolls back once, and only the deployment it judged", async () => {
		const worker = "ar-once";
		const { v1, gradual } = await failingRollout(worker);
		// 40 requests to the failing version at once: many reports reach the coordinator together.
		const statuses = await Promise.all(Array.from({ length: 40 }, () => edge(worker, "/").then((r) => r.status)));
		expect(statuses.filter((s) => s === 500).length).toBeGreaterThanOrEqual(10);
		const rolledBack = await eventually(async () => {
			const now = await active(worker);
			return now.id !== gradual.id ? now : null;
		});
		expect(rolledBack).toMatchObject({ triggered_by: "auto_rollback", rollback_from: gradual.id });
		// Later requests (served by v1 now) carry the rest of the burst's failures, counted against the
		// rolled-back split, to the coordinator: nothing more happens.
		for (let i = 0; i < 12; i++) await edge(worker, "/");
		await eventually(async () => {
			const counted = (await health(worker)).active_deployment?.versions ?? [];
			return counted.some((v: { version_id: string; requests: number }) => v.version_id === v1.id && v.requests >= 12);
		});
		const log = await deploymentsOf(worker);
		expect(log.filter((d) => d.triggered_by === "auto_rollback").map((d) => d.rollback_from)).toEqual([gradual.id]);
		expect(log[0]).toMatchObject({ id: rolledBack.id, versions: [{ version_id: v1.id, percentage: 100 }] });

		// The same split deployed again is a new deployment, judged afresh.
		const again = await split(worker, gradual.versions);
		for (let i = 0; i < 12; i++) await edge(worker, "/");
		await eventually(async () => ((await active(worker)).id !== again.id ? true : null));
		const after = await deploymentsOf(worker);
		expect(after.filter((d) => d.triggered_by === "auto_rollback").map((d) => d.rollback_from)).toEqual([
			again.id,
			gradual.id,
		]);
	});

	it("reports that arrive while a rollback is under way start no second one", async () => {
		const worker = "ar-attempts";
		const { v1, gradual, failing } = await failingRollout(worker);
		await runInDurableObject(coordinatorFor(env, worker), async (instance: WorkerCoordinator) => {
			const gate = gatedD1(env.DB);
			Object.defineProperty(instance, "env", { value: { ...env, DB: gate.db }, configurable: true });
			const watch = watchAutoRollbacks(instance);
			const first = instance.recordTraffic(worker, failing);
			await watch.first;
			// The rollback is decided and waiting to commit; more failing traffic keeps arriving.
			const more = Array.from({ length: 4 }, () => instance.recordTraffic(worker, failing));
			gate.open();
			expect(await first).toMatchObject({ ok: true, value: { triggered_by: "auto_rollback" } });
			expect(await Promise.all(more)).toEqual(Array(4).fill({ ok: true, value: null }));
			expect(watch.attempts).toBe(1);
			Object.defineProperty(instance, "env", { value: env, configurable: true });
		});
		const log = await deploymentsOf(worker);
		expect(log.filter((d) => d.triggered_by === "auto_rollback")).toEqual([
			expect.objectContaining({ rollback_from: gradual.id, versions: [{ version_id: v1.id, percentage: 100 }] }),
		]);
	});
});

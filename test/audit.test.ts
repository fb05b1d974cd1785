import {
	createExecutionContext,
	createScheduledController,
	runInDurableObject,
	waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWorkerInvariants } from "../src/audit/invariants";
import type { WorkerCoordinator } from "../src/coordinator/worker-coordinator";
import type { Deployment } from "../src/core/model";
import worker from "../src/index";
import { coordinatorFor } from "../src/services/coordinator";
import { moduleKey } from "../src/storage/modules";
import { faultyD1 } from "./faults";
import { driveAuditRunner } from "./fixtures/audit";
import { api, deploy, uploadForm, workerSource } from "./helpers";

// Each test breaks one thing behind shiplog's back, by writing to storage directly (D1, R2, the
// coordinator's SQLite, or the edge's memory), and checks that the audit reports exactly that.

/** A Worker with two deployments of different code, checked clean before it is broken. */
async function twoDeployments(name: string) {
	const first = await deploy(name, { modules: [{ name: "index.js", body: workerSource(`${name} one`) }] });
	const second = await deploy(name, { modules: [{ name: "index.js", body: workerSource(`${name} two`) }] });
	expect(await checkWorkerInvariants(env, name)).toEqual([]);
	return { first, second };
}

const problems = async (name: string) => (await checkWorkerInvariants(env, name)).map((p) => p.problem);

const d1 = (sql: string, ...params: unknown[]) =>
	env.DB.prepare(sql)
		.bind(...params)
		.run();

/** The coordinator's memory of its log, from which the edge is served. */
interface LogInternals {
	active: Deployment | null;
	activeFor: (worker: string, pointer: () => string | null | undefined) => Promise<Deployment | null>;
	env: () => Env;
}

function overwrite(target: object, fields: Record<string, unknown>) {
	for (const [field, value] of Object.entries(fields)) {
		Object.defineProperty(target, field, { value, configurable: true, writable: true });
	}
}

describe("the invariant audit reports each kind of broken state", () => {
	it("a coordinator whose counters differ from D1's", async () => {
		await twoDeployments("au-coord");
		await runInDurableObject(coordinatorFor(env, "au-coord"), (_instance: WorkerCoordinator, state) => {
			state.storage.sql.exec("UPDATE state SET version_count = version_count + 5");
		});
		expect(await problems("au-coord")).toEqual([
			expect.stringMatching(/^coordinator holds .*"version_count":7.* but D1 has .*"version_count":2/),
		]);
	});

	it("an edge that serves another deployment than D1's pointer", async () => {
		const { first, second } = await twoDeployments("au-edge");
		// The edge keeps the active deployment in memory; here it has lost track of the committed pointer and
		// holds the first deployment.
		await runInDurableObject(coordinatorFor(env, "au-edge"), (instance: WorkerCoordinator) => {
			const log = (instance as unknown as { log: LogInternals }).log;
			overwrite(log, { activeFor: async () => first.deployment });
		});
		expect(await problems("au-edge")).toEqual([
			`the edge serves deployment ${first.deployment.id} but D1's pointer is ${second.deployment.id}`,
		]);
	});

	it("an edge that cannot resolve the active deployment", async () => {
		await twoDeployments("au-edge-down");
		await runInDurableObject(coordinatorFor(env, "au-edge-down"), (instance: WorkerCoordinator) => {
			const log = (instance as unknown as { log: LogInternals }).log;
			overwrite(log, { active: null, env: () => ({ ...env, DB: faultyD1(env.DB, "down") }) });
		});
		expect(await problems("au-edge-down")).toEqual([
			expect.stringContaining("the edge could not resolve the active deployment"),
		]);
	});

	it("a module missing from R2", async () => {
		const { first } = await twoDeployments("au-r2-gone");
		const sha = first.version.modules[0]?.sha256 ?? "";
		await env.MODULES.delete(moduleKey(sha));
		expect(await problems("au-r2-gone")).toEqual([`module ${sha} is missing from R2`]);
	});

	it("a module in R2 whose bytes do not have the SHA-256 it is stored under", async () => {
		const { first, second } = await twoDeployments("au-r2-hash");
		const [a, b] = [first.version.modules[0]?.sha256 ?? "", second.version.modules[0]?.sha256 ?? ""];
		const other = new TextEncoder().encode("not the module");
		// One body replaced with other bytes (and R2's checksum of those), one with no checksum at all.
		await env.MODULES.put(moduleKey(a), other, {
			sha256: await crypto.subtle.digest("SHA-256", other),
		});
		await env.MODULES.put(moduleKey(b), other);
		expect((await problems("au-r2-hash")).sort()).toEqual(
			[`module ${a} in R2 does not carry that SHA-256`, `module ${b} in R2 does not carry that SHA-256`].sort(),
		);
	});

	it("version numbers that are not contiguous: a gap, or a number past the counter", async () => {
		await twoDeployments("au-vgap");
		await d1("DELETE FROM versions WHERE worker = ?1 AND number = 1", "au-vgap");
		// The first deployment now names a version that is gone, which the audit reports too.
		expect(await problems("au-vgap")).toEqual([
			"version numbers are not 1..2: 1 rows (+0 pruned), highest 2",
			expect.stringMatching(/^a deployment serves version .+, which is not in the log$/),
		]);
		await twoDeployments("au-vnum");
		await d1("UPDATE versions SET number = 9 WHERE worker = ?1 AND number = 2", "au-vnum");
		expect(await problems("au-vnum")).toEqual(["version numbers are not 1..2: 2 rows (+0 pruned), highest 9"]);
	});

	it("deployment numbers that are not contiguous: a gap, or a number past the counter", async () => {
		await twoDeployments("au-dgap");
		await d1("DELETE FROM deployments WHERE worker = ?1 AND number = 1", "au-dgap");
		expect(await problems("au-dgap")).toEqual(["deployment numbers are not 1..2: 1 rows, highest 2"]);
		await twoDeployments("au-dnum");
		await d1("UPDATE deployments SET number = 9 WHERE worker = ?1 AND number = 2", "au-dnum");
		expect(await problems("au-dnum")).toEqual(["deployment numbers are not 1..2: 2 rows, highest 9"]);
	});

	it("a pointer that is not on the latest deployment", async () => {
		const { first, second } = await twoDeployments("au-pointer");
		// D1 and the coordinator agree on the older deployment, so only the log's own rule is broken.
		await d1("UPDATE workers SET active_deployment_id = ?2 WHERE name = ?1", "au-pointer", first.deployment.id);
		await runInDurableObject(coordinatorFor(env, "au-pointer"), (_instance: WorkerCoordinator, state) => {
			state.storage.sql.exec("UPDATE state SET active_deployment_id = ?", first.deployment.id);
		});
		expect(await problems("au-pointer")).toEqual([
			`active deployment ${first.deployment.id} is not the latest ${second.deployment.id}`,
		]);
	});

	it("a deployment that names a version not in the log", async () => {
		const { first } = await twoDeployments("au-ghost");
		await d1(
			"UPDATE deployments SET versions = ?2 WHERE id = ?1",
			first.deployment.id,
			JSON.stringify([{ version_id: "ghost", percentage: 100 }]),
		);
		expect(await problems("au-ghost")).toEqual(["a deployment serves version ghost, which is not in the log"]);
	});

	it("a Worker D1 does not know", async () => {
		expect(await problems("au-never")).toEqual(["no such Worker in D1"]);
	});
});

describe("the cron purge of idempotency keys", () => {
	it("the scheduled handler deletes keys older than 24 hours and keeps younger ones, which still replay", async () => {
		const put = () =>
			api("/v1/workers/au-keys", {
				method: "PUT",
				body: uploadForm(),
				headers: { "idempotency-key": "live" },
			});
		expect((await put()).status).toBe(201);
		const hours = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
		const insert = (key: string, created: string) =>
			d1(
				"INSERT INTO idempotency_keys (worker, key, fingerprint, result, created_on) VALUES ('au-keys', ?1, 'f', '{}', ?2)",
				key,
				created,
			);
		await insert("expired", hours(25));
		await insert("almost-expired", hours(23));

		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ cron: "0 * * * *", scheduledTime: Date.now() }), env, ctx);
		await waitOnExecutionContext(ctx);
		// The cron starts an audit run; the AuditRunner's alarms carry it out, the purge among its last steps.
		await driveAuditRunner();

		const { results } = await env.DB.prepare(
			"SELECT key FROM idempotency_keys WHERE worker = 'au-keys' ORDER BY key",
		).all<{ key: string }>();
		expect(results.map((r) => r.key)).toEqual(["almost-expired", "live"]);
		const replay = await put();
		expect(replay.status).toBe(201);
		expect(replay.headers.get("idempotent-replayed")).toBe("true");
	});
});

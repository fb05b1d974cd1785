import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Deployment, Version } from "../../src/core/model";
import { edgeConfig, healthPolicy } from "../../src/edge/edge-config";
import { autoRollbackDecision } from "../../src/edge/health/auto-rollback";
import { HealthWindow } from "../../src/edge/health/health-window";
import { edgeTarget } from "../../src/edge/routing";
import { parseDictionary } from "../../src/edge/structured-fields";
import { chooseVersion, keyPoint, overriddenVersion } from "../../src/edge/version-choice";
import { workerCode } from "../../src/edge/worker-code";
import { aDeployment, aVersion } from "../fixtures/models";

const deployment = (versions: Deployment["versions"]): Deployment =>
	aDeployment("shop", 2, versions, { id: "d1", triggered_by: "deployment" });

describe("version overrides header (RFC 8941 dictionary)", () => {
	it("reads strings, tokens and parameters, and the last duplicate wins", () => {
		const dict = parseDictionary(`a="x\\"y", b=tok-1;p=1, c, a="z"`);
		expect(dict && Object.fromEntries(dict)).toEqual({ b: { token: "tok-1" }, c: true, a: "z" });
	});

	it("fails the whole field on a syntax error", () => {
		for (const bad of [`a="open`, `A="upper"`, `a=("list")`, `a="x",`, `a="x" b="y"`]) {
			expect(parseDictionary(bad)).toBeNull();
		}
	});

	it("picks the entry for this Worker only", () => {
		expect(overriddenVersion("shop", `cart="v9", shop="v2"`)).toBe("v2");
		expect(overriddenVersion("shop", `cart="v9"`)).toBeNull();
		expect(overriddenVersion("shop", null)).toBeNull();
	});
});

describe("choosing a version", () => {
	const split = deployment([
		{ version_id: "old", percentage: 60 },
		{ version_id: "new", percentage: 40 },
	]);

	it("gives the newest version the low band of the random draw", () => {
		const choose = (r: number) => chooseVersion("shop", split, "new", new Headers(), () => r).version_id;
		expect(choose(0)).toBe("new");
		expect(choose(0.399)).toBe("new");
		expect(choose(0.4)).toBe("old");
		expect(choose(0.999)).toBe("old");
	});

	it("ignores an override naming a version outside the deployment", () => {
		const headers = new Headers({ "cloudflare-workers-version-overrides": `shop="elsewhere"` });
		expect(chooseVersion("shop", split, "new", headers, () => 0.9)).toEqual({ version_id: "old", reason: "random" });
	});

	it("spreads version keys evenly over [0, 100)", () => {
		const buckets = Array(10).fill(0);
		for (let i = 0; i < 10_000; i++) buckets[Math.floor(keyPoint("shop", `k${i}`) / 10)]++;
		// Each decile expects 1,000 (sigma 30); 4 sigma is 120.
		for (const n of buckets) expect(Math.abs(n - 1000)).toBeLessThan(120);
		expect(keyPoint("shop", "k1")).not.toBe(keyPoint("cart", "k1"));
	});
});

describe("health window", () => {
	const report = (errors: number) => [{ deployment_id: "d1", version_id: "v", requests: 10, errors, exceptions: 0 }];

	it("forgets counts older than the window", () => {
		const w = new HealthWindow(60_000);
		w.add(report(1), 0);
		w.add(report(2), 30_000);
		expect(w.byVersion(30_000).get("v")).toEqual({ requests: 20, errors: 3, exceptions: 0 });
		expect(w.byVersion(65_000).get("v")).toEqual({ requests: 10, errors: 2, exceptions: 0 });
		expect(w.byVersion(200_000).get("v")).toBeUndefined();
	});

	it("keeps deployments apart", () => {
		const w = new HealthWindow(60_000);
		w.add(report(5), 0);
		w.add([{ deployment_id: "d2", version_id: "v", requests: 1, errors: 0, exceptions: 0 }], 0);
		expect(w.byVersion(0, "d2").get("v")?.requests).toBe(1);
		expect(w.byVersion(0).get("v")?.requests).toBe(11);
	});
});

describe("automatic rollback decision", () => {
	const split = deployment([
		{ version_id: "old", percentage: 80 },
		{ version_id: "new", percentage: 20 },
	]);
	const policy = { windowMs: 300_000, errorRate: 0.2, minRequests: 50, perClient: 10 };

	it("rolls back only above the rate and at or above the minimum request count", () => {
		expect(autoRollbackDecision(split, "new", { requests: 50, errors: 11, exceptions: 3 }, policy)).toMatchObject({
			keep: "old",
			failing: "new",
		});
		expect(autoRollbackDecision(split, "new", { requests: 50, errors: 10, exceptions: 0 }, policy)).toBeNull();
		expect(autoRollbackDecision(split, "new", { requests: 49, errors: 49, exceptions: 0 }, policy)).toBeNull();
	});

	it("never acts on a single-version deployment or when switched off", () => {
		const single = deployment([{ version_id: "new", percentage: 100 }]);
		const bad = { requests: 100, errors: 100, exceptions: 100 };
		expect(autoRollbackDecision(single, "new", bad, policy)).toBeNull();
		expect(autoRollbackDecision(split, "new", bad, { ...policy, errorRate: null })).toBeNull();
	});
});

describe("edge configuration and routing", () => {
	it("reads the test configuration and falls back to safe defaults", () => {
		expect(edgeConfig(env)).toEqual({
			routingDomain: "workers.test",
			allowOutbound: false,
			cpuMs: 1000,
			timeoutMs: 1500,
			maxHops: 8,
			freshnessMs: null,
		});
		expect(healthPolicy({ ...env, SHIPLOG_AUTO_ROLLBACK_ERROR_RATE: "" })).toMatchObject({ errorRate: null });
		expect(edgeConfig({ ...env, SHIPLOG_EDGE_CPU_MS: "-3", SHIPLOG_EDGE_TIMEOUT_MS: "x" })).toMatchObject({
			cpuMs: 1000,
			timeoutMs: 30_000,
		});
	});

	it("finds the Worker by path or by host, and nothing for other requests", () => {
		expect(edgeTarget("http://s.test/w/shop/a?b=1", null)).toEqual({
			worker: "shop",
			url: "http://s.test/a?b=1",
			routing: "path",
		});
		expect(edgeTarget("http://shop.apps.test/x", "apps.test")).toEqual({
			worker: "shop",
			url: "http://shop.apps.test/x",
			routing: "host",
		});
		expect(edgeTarget("http://s.test/v1/workers", "apps.test")).toBeNull();
		expect(edgeTarget("http://s.test/w/Not_Valid/", null)).toBeNull();
		expect(edgeTarget("http://a.b.apps.test/", "apps.test")).toBeNull();
	});
});

describe("worker code", () => {
	const version: Version = aVersion("shop", 1, {
		id: "v1",
		compatibility_date: null,
		compatibility_flags: ["nodejs_compat"],
	});

	it("has no network unless outbound is allowed, and always sets a compatibility date and CPU limit", async () => {
		const ctx = createExecutionContext();
		const config = edgeConfig(env);
		const blocked = await workerCode(env, ctx, version, config);
		expect(blocked).toMatchObject({ globalOutbound: null, compatibilityDate: "2026-11-01", limits: { cpuMs: 1000 } });
		const open = await workerCode(env, ctx, version, { ...config, allowOutbound: true });
		expect("globalOutbound" in open).toBe(false);
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testDeps } from "../../src/deps/test-deps";
import { edgeConfig, MAX_FRESHNESS_MS } from "../../src/edge/edge-config";
import { ActiveDeployments } from "../../src/edge/resolve";
import { testApp } from "../fixtures/app";
import { coordinatorDeploy, deployCode, label, reporter } from "./edge-helpers";

// SHIPLOG_EDGE_FRESHNESS (docs/edge.md "Freshness"). Every test here runs in one isolate, so "another isolate"
// is a second ActiveDeployments, which (like another isolate) hears of no change made through this one.

const at = (ms: number) => Date.parse("2026-11-30T12:00:00.000Z") + ms;

describe("SHIPLOG_EDGE_FRESHNESS", () => {
	it("is strict unless it is a whole number of milliseconds, and at most a minute", () => {
		const freshness = (value: string | undefined) =>
			edgeConfig({ ...env, SHIPLOG_EDGE_FRESHNESS: value as string }).freshnessMs;
		for (const strict of [undefined, "", "strict", "STRICT", "0", "-5", "1.5", "1e3", "250ms", "soon"]) {
			expect(freshness(strict), String(strict)).toBeNull();
		}
		expect(freshness("250")).toBe(250);
		expect(freshness(" 1000 ")).toBe(1000);
		expect(freshness("3600000")).toBe(MAX_FRESHNESS_MS);
	});

	it("bounded: another isolate serves a change at most N ms after it returned, counted from its lookup", async () => {
		const v1 = await deployCode("bounded", reporter("v1"));
		const other = new ActiveDeployments();
		expect((await other.resolve(env, "bounded", at(0), 1000))?.id).toBe(v1.deployment.id);

		const v2 = await deployCode("bounded", reporter("v2"));
		// Within the bound the other isolate may still serve what it asked for at 0 ...
		expect((await other.resolve(env, "bounded", at(999), 1000))?.id).toBe(v1.deployment.id);
		// ... and from N ms after that lookup, never: it asks again.
		expect((await other.resolve(env, "bounded", at(1000), 1000))?.id).toBe(v2.deployment.id);

		// A rollback likewise, and the new answer is counted from its own lookup (at 1000).
		const back = await coordinatorDeploy("bounded", v1.version.id, "rollback", v2.deployment.id);
		expect((await other.resolve(env, "bounded", at(1999), 1000))?.id).toBe(v2.deployment.id);
		expect((await other.resolve(env, "bounded", at(2000), 1000))?.id).toBe(back.id);
		// A clock that moved backwards is not trusted to be within the bound.
		const v3 = await deployCode("bounded", reporter("v3"));
		expect((await other.resolve(env, "bounded", at(1500), 1000))?.id).toBe(v3.deployment.id);
	});

	it("strict: another isolate serves a change from the very next request, without the clock moving", async () => {
		const v1 = await deployCode("strict", reporter("v1"));
		const other = new ActiveDeployments();
		expect((await other.resolve(env, "strict", at(0), null))?.id).toBe(v1.deployment.id);
		const v2 = await deployCode("strict", reporter("v2"));
		expect((await other.resolve(env, "strict", at(0), null))?.id).toBe(v2.deployment.id);
		const back = await coordinatorDeploy("strict", v1.version.id, "rollback", v2.deployment.id);
		expect((await other.resolve(env, "strict", at(0), null))?.id).toBe(back.id);
	});

	it("bounded: a change made through this isolate is served by its next request, however long N is", async () => {
		const deps = testDeps();
		const call = testApp({ deps, vars: { SHIPLOG_EDGE_FRESHNESS: "60000" } });
		const edge = (worker: string) => call(`/w/${worker}/`, { token: null });
		const v1 = await deployCode("here", reporter("v1"));
		expect(await label(await edge("here"))).toBe("v1");
		expect(await label(await edge("here"))).toBe("v1");

		// The clock never moves: only forgetting the kept answer lets these through.
		const v2 = await deployCode("here", reporter("v2"));
		expect(await label(await edge("here"))).toBe("v2");
		const rolled = await call("/v1/workers/here/rollback", { method: "POST", body: "{}" });
		expect(rolled.status).toBe(201);
		expect(await label(await edge("here"))).toBe("v1");
		// A change the coordinator makes on its own (as an automatic rollback does) is published here too.
		await coordinatorDeploy("here", v2.version.id, "auto_rollback", v1.deployment.id);
		const res = await edge("here");
		expect(res.headers.get("shiplog-version-id")).toBe(v2.version.id);
		expect(await label(res)).toBe("v2");
	});

	it("keeps no answer from a lookup that a change overtook", async () => {
		const v1 = await deployCode("straddle", reporter("v1"));
		const other = new ActiveDeployments();
		const lookup = other.resolve(env, "straddle", at(0), 60_000);
		other.forget("straddle");
		expect((await lookup)?.id).toBe(v1.deployment.id);
		const v2 = await deployCode("straddle", reporter("v2"));
		expect((await other.resolve(env, "straddle", at(0), 60_000))?.id).toBe(v2.deployment.id);
		// Answers after that are kept again.
		await deployCode("straddle", reporter("v3"));
		expect((await other.resolve(env, "straddle", at(1), 60_000))?.id).toBe(v2.deployment.id);
	});
});

import { describe, expect, it } from "vitest";
import { testApp } from "../fixtures/app";
import { api, json } from "../helpers";
import { deployCode, edge, eventually, health, reporter, split, uploadCode } from "./edge-helpers";

// The test configuration rolls back above a 50 % error rate over at least 10 requests, so a client's
// requests count up to 2 (a fifth of the sample) within the window.
const failing = `export default { fetch() { throw new Error("bad release"); } };`;
const pinned = (worker: string, version: string, ip?: string) => ({
	headers: {
		"cloudflare-workers-version-overrides": `${worker}="${version}"`,
		...(ip ? { "cf-connecting-ip": ip } : {}),
	},
});

async function gradual(worker: string, newCode: string, share = 100) {
	const { version: v1 } = await deployCode(worker, reporter("v1"));
	const { version: v2 } = await uploadCode(worker, newCode);
	const deployment = await split(worker, [
		{ version_id: v1.id, percentage: 100 - share },
		{ version_id: v2.id, percentage: share },
	]);
	return { v1, v2, deployment };
}

async function counted(worker: string, version: string): Promise<{ requests: number; errors: number }> {
	const snapshot = await health(worker);
	return (
		snapshot.active_deployment?.versions.find((v: { version_id: string }) => v.version_id === version) ?? {
			requests: 0,
			errors: 0,
		}
	);
}

const activeId = async (worker: string) => (await json(await api(`/v1/workers/${worker}/deployments/active`))).id;

/** Sends requests until health has seen at least `n` of them (counts reach the coordinator in the background). */
async function settle(worker: string, version: string, n: number) {
	await eventually(async () => ((await counted(worker, version)).requests >= n ? true : null));
}

describe("anonymous callers cannot steer automatic rollbacks", () => {
	it("failures pinned with a version override are never counted, so they cannot force a rollback", async () => {
		const { v1, v2, deployment } = await gradual("steer-pin", failing, 10);
		for (let i = 0; i < 20; i++) expect((await edge("steer-pin", "/", pinned("steer-pin", v2.id))).status).toBe(500);
		// One unpinned request, so the counts (nothing for v2) surely reached the coordinator.
		await edge("steer-pin", "/", { headers: { "cloudflare-workers-version-overrides": `steer-pin="${v1.id}"` } });
		expect(await counted("steer-pin", v2.id)).toMatchObject({ requests: 0, errors: 0 });
		expect(await activeId("steer-pin")).toBe(deployment.id);
	});

	it("one client's failures count only up to its share: it cannot roll a release back alone", async () => {
		const { v2, deployment } = await gradual("steer-one", failing);
		for (let i = 0; i < 30; i++)
			expect((await edge("steer-one", "/", { headers: { "cf-connecting-ip": "203.0.113.7" } })).status).toBe(500);
		await settle("steer-one", v2.id, 2);
		expect(await counted("steer-one", v2.id)).toMatchObject({ requests: 2, errors: 2 });
		expect(await activeId("steer-one")).toBe(deployment.id);
	});

	it("failures from many clients still roll a broken release back", async () => {
		const { v1, deployment } = await gradual("steer-many", failing);
		for (let i = 0; i < 12; i++) await edge("steer-many", "/", { headers: { "cf-connecting-ip": `198.51.100.${i}` } });
		const after = await eventually(async () => {
			const now = await json(await api("/v1/workers/steer-many/deployments/active"));
			return now.id !== deployment.id ? now : null;
		});
		expect(after).toMatchObject({ triggered_by: "auto_rollback", versions: [{ version_id: v1.id, percentage: 100 }] });
	});

	it("a flood of pinned successes does not hide a broken release", async () => {
		const okOnPath = `export default { fetch(req) {
			if (new URL(req.url).pathname === "/ok") return new Response("ok");
			throw new Error("bad release");
		} };`;
		const { v2, deployment } = await gradual("steer-hide", okOnPath);
		for (let i = 0; i < 40; i++) await edge("steer-hide", "/ok", pinned("steer-hide", v2.id, "192.0.2.1"));
		for (let i = 0; i < 12; i++) await edge("steer-hide", "/", { headers: { "cf-connecting-ip": `198.51.100.${i}` } });
		await eventually(async () => ((await activeId("steer-hide")) !== deployment.id ? true : null));
	});
});

describe("client-caused failures are not the Worker's", () => {
	const readsBody = `export default { async fetch(req) { return new Response(await req.text()); } };`;

	it("a client too slow to send its body times out without counting against the version", async () => {
		const { v2, deployment } = await gradual("slow-client", readsBody);
		const stalled = () =>
			edge("slow-client", "/", {
				method: "POST",
				// A body that never ends: the Worker waits on the client until the wall-clock limit.
				body: new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("partial")) }),
				// @ts-expect-error: a stream body is half-duplex.
				duplex: "half",
			});
		const results = await Promise.all(Array.from({ length: 12 }, stalled));
		expect(results.map((r) => r.status)).toEqual(Array(12).fill(504));
		const normal = await edge("slow-client", "/", { method: "POST", body: "whole" });
		expect(await normal.text()).toBe("whole");
		await settle("slow-client", v2.id, 1);
		expect(await counted("slow-client", v2.id)).toMatchObject({ requests: 1, errors: 0 });
		expect(await activeId("slow-client")).toBe(deployment.id);
	});

	it("a body the client breaks off makes the Worker fail without counting against it", async () => {
		const parsesBody = `export default { async fetch(req) { return Response.json(await req.json()); } };`;
		const { v2, deployment } = await gradual("abort-client", parsesBody);
		// In this isolate (not across the test's HTTP hop, which would end the body quietly), so the break reaches the Worker.
		const app = testApp();
		const broken = () =>
			app("/w/abort-client/", {
				token: null,
				method: "POST",
				body: new ReadableStream({
					start(c) {
						c.enqueue(new TextEncoder().encode('{"half'));
						c.error(new Error("client went away"));
					},
				}),
				// @ts-expect-error: a stream body is half-duplex.
				duplex: "half",
			});
		for (let i = 0; i < 12; i++) expect((await broken()).status).toBe(500);
		await edge("abort-client", "/", { method: "POST", body: '{"whole":true}' });
		await settle("abort-client", v2.id, 1);
		expect(await counted("abort-client", v2.id)).toMatchObject({ requests: 1, errors: 0 });
		expect(await activeId("abort-client")).toBe(deployment.id);
	});
});

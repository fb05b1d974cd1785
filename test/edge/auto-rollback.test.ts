import { describe, expect, it } from "vitest";
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

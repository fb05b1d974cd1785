import { describe, expect, it } from "vitest";
import { deployCode, edge, reporter, split, uploadCode } from "./edge-helpers";

async function twoVersions(worker: string) {
	const { version: v1 } = await deployCode(worker, reporter("v1"));
	const { version: v2 } = await uploadCode(worker, reporter("v2"));
	return { v1: v1.id as string, v2: v2.id as string };
}

async function servedBy(worker: string, headers: Record<string, string> = {}): Promise<string> {
	const res = await edge(worker, "/", { headers });
	expect(res.status).toBe(200);
	await res.arrayBuffer();
	return res.headers.get("shiplog-version-id") ?? "";
}

describe("gradual deployments at the edge", () => {
	it("splits traffic 30/70 within four standard deviations over 1,000 requests", async () => {
		const { v1, v2 } = await twoVersions("split");
		await split("split", [
			{ version_id: v1, percentage: 70 },
			{ version_id: v2, percentage: 30 },
		]);
		const served: string[] = [];
		for (let batch = 0; batch < 20; batch++) {
			served.push(...(await Promise.all(Array.from({ length: 50 }, () => servedBy("split")))));
		}
		const onNew = served.filter((id) => id === v2).length;
		expect(served.filter((id) => id === v1).length + onNew).toBe(1000);
		// Binomial(n = 1000, p = 0.3): mean 300, sigma = sqrt(1000 * 0.3 * 0.7) ≈ 14.5, so 4 sigma ≈ 58.
		const sigma = Math.sqrt(1000 * 0.3 * 0.7);
		expect(Math.abs(onNew - 300)).toBeLessThan(4 * sigma);
	}, 30_000);

	it("pins a version key to one version, and growing the new version's share only moves keys onto it", async () => {
		const { v1, v2 } = await twoVersions("affinity");
		const keys = Array.from({ length: 100 }, (_, i) => `user-${i}`);
		let previouslyNew = new Set<string>();
		for (const share of [10, 40, 75, 100]) {
			await split("affinity", [
				{ version_id: v1, percentage: 100 - share },
				{ version_id: v2, percentage: share },
			]);
			const onNew = new Set<string>();
			await Promise.all(
				keys.map(async (key) => {
					const first = await servedBy("affinity", { "cloudflare-workers-version-key": key });
					const second = await servedBy("affinity", { "cloudflare-workers-version-key": key });
					expect(second).toBe(first);
					if (first === v2) onNew.add(key);
				}),
			);
			for (const key of previouslyNew) expect(onNew.has(key)).toBe(true);
			// 100 keys: the count on the new version is Binomial(100, share), far inside ±30.
			expect(Math.abs(onNew.size - share)).toBeLessThan(30);
			previouslyNew = onNew;
		}
		expect(previouslyNew.size).toBe(100);
	}, 30_000);

	it("honours a version override for a version of the current deployment, even at 0 %", async () => {
		const { v1, v2 } = await twoVersions("override");
		const { version: v3 } = await uploadCode("override", reporter("v3"));
		await split("override", [
			{ version_id: v1, percentage: 100 },
			{ version_id: v2, percentage: 0 },
		]);
		expect(await servedBy("override")).toBe(v1);
		const overrides = "cloudflare-workers-version-overrides";
		expect(await servedBy("override", { [overrides]: `override="${v2}"` })).toBe(v2);
		expect(await servedBy("override", { [overrides]: `other="${v1}", override="${v2}";note=1` })).toBe(v2);
		// Not in the deployment, another Worker's entry, or a header that does not parse: percentages decide.
		expect(await servedBy("override", { [overrides]: `override="${v3.id}"` })).toBe(v1);
		expect(await servedBy("override", { [overrides]: `someone-else="${v2}"` })).toBe(v1);
		expect(await servedBy("override", { [overrides]: `override="${v2}` })).toBe(v1);
	});

	it("an override beats the version key", async () => {
		const { v1, v2 } = await twoVersions("both");
		await split("both", [
			{ version_id: v1, percentage: 100 },
			{ version_id: v2, percentage: 0 },
		]);
		expect(
			await servedBy("both", {
				"cloudflare-workers-version-key": "anyone",
				"cloudflare-workers-version-overrides": `both="${v2}"`,
			}),
		).toBe(v2);
	});
});

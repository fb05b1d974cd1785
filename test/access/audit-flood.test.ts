import { describe, expect, it } from "vitest";
import { systemDeps } from "../../src/deps/deps";
import { ManualClock } from "../../src/deps/test-deps";
import { testApp } from "../fixtures/app";
import { json } from "../helpers";

describe("anonymous refusals cannot flood the audit log", () => {
	it("records at most 60 a minute per isolate, then says how many it left out", async () => {
		const clock = new ManualClock("2030-01-01T00:00:00.000Z");
		const call = testApp({ deps: { clock, ids: systemDeps.ids } });
		const statuses = [];
		for (let i = 0; i < 75; i++) statuses.push((await call("/v1/workers", { token: `junk-${i}` })).status);
		expect(new Set(statuses)).toEqual(new Set([401]));
		const count = async () =>
			(await json(await call("/v1/audit-log?action=authenticate&limit=200"))).items as {
				details: Record<string, unknown> | null;
			}[];
		expect(await count()).toHaveLength(60);
		clock.advance(60_000);
		await call("/v1/workers", { token: null });
		const entries = await count();
		expect(entries).toHaveLength(61);
		expect(entries[0]?.details).toMatchObject({ not_recorded_before: 15 });
	});
});

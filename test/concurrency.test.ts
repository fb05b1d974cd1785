import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkLog } from "../src/audit/check-log";
import { coordinatorFor } from "../src/services/coordinator";
import { api, json, uploadForm, workerSource } from "./helpers";

describe("concurrent deploys to one Worker", () => {
	it("20 at once yield deployments numbered 1..20 with no gaps, and the last one is active", async () => {
		const responses = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				api("/v1/workers/busy", {
					method: "PUT",
					body: uploadForm({ modules: [{ name: "index.js", body: workerSource(`build ${i}`) }] }),
				}),
			),
		);
		expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
		const results = await Promise.all(responses.map((r) => json(r)));
		const numbers = results.map((r) => r.deployment.number).sort((a, b) => a - b);
		expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
		expect(results.map((r) => r.version.number).sort((a, b) => a - b)).toEqual(numbers);

		const last = results.find((r) => r.deployment.number === 20);
		const active = await json(await api("/v1/workers/busy/deployments/active"));
		expect(active.id).toBe(last.deployment.id);

		const counters = await coordinatorFor(env, "busy").counters("busy");
		expect(counters).toEqual({ version_count: 20, deployment_count: 20, active_deployment_id: last.deployment.id });
		expect((await checkLog(env.DB)).problems).toEqual([]);
	});

	it("deploys to different Workers do not share numbers", async () => {
		const results = await Promise.all(
			["solo-a", "solo-b", "solo-c"].map((name) => api(`/v1/workers/${name}`, { method: "PUT", body: uploadForm() })),
		);
		for (const res of results) expect((await json(res)).deployment.number).toBe(1);
	});
});

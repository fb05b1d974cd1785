import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { getActiveDeployment } from "../../src/storage/deployments";
import { deployCode, edge, reporter } from "./edge-helpers";

async function timeEach(n: number, run: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
	const samples: number[] = [];
	for (let i = 0; i < n; i++) {
		const started = performance.now();
		await run();
		samples.push(performance.now() - started);
	}
	samples.sort((a, b) => a - b);
	const at = (q: number) => Math.round((samples[Math.floor(q * (samples.length - 1))] ?? 0) * 1000) / 1000;
	return { median: at(0.5), p95: at(0.95) };
}

// The figures behind docs/edge.md ("what resolving the active deployment costs"). workerd freezes
// performance.now() between I/O, so each sample spans the awaited I/O only: that is what is measured.
it("resolving the active deployment costs one coordinator call per request", async () => {
	await deployCode("measured", reporter("m"));
	const cold = await timeEach(1, async () => (await edge("measured")).arrayBuffer());
	const coordinator = env.COORDINATOR.getByName("measured");
	const rpc = await timeEach(200, () => coordinator.activeDeployment("measured"));
	const d1 = await timeEach(200, () => getActiveDeployment(env.DB, "measured"));
	const request = await timeEach(200, async () => (await edge("measured")).arrayBuffer());
	console.log(
		JSON.stringify({ first_request_ms: cold.median, coordinator_rpc: rpc, d1_join: d1, warm_request: request }),
	);
	expect(rpc.median).toBeLessThan(50);
});

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { reportOutcome, takePending } from "../../src/edge/traffic-reporter";

describe("health counts on their way to the coordinator", () => {
	it("add up per deployment and version, and are handed over once to the next lookup", () => {
		const ctx = createExecutionContext();
		const outcome = { deployment_id: "d1", version_id: "v1", client: null, error: false, exception: false };
		reportOutcome(env, ctx, "carried", outcome);
		reportOutcome(env, ctx, "carried", { ...outcome, error: true, exception: true });
		reportOutcome(env, ctx, "carried", { ...outcome, version_id: "v2" });
		expect(takePending("carried")).toEqual([
			{ deployment_id: "d1", version_id: "v1", requests: 2, errors: 1, exceptions: 1 },
			{ deployment_id: "d1", version_id: "v2", requests: 1, errors: 0, exceptions: 0 },
		]);
		expect(takePending("carried")).toEqual([]);
	});

	it("are sent on their own when no request comes to carry them", async () => {
		const ctx = createExecutionContext();
		reportOutcome(env, ctx, "idle-worker", {
			deployment_id: "d",
			version_id: "v",
			client: null,
			error: false,
			exception: false,
		});
		await waitOnExecutionContext(ctx);
		expect(takePending("idle-worker")).toEqual([]);
	});
});

import { coordinatorFor } from "../services/coordinator";
import type { TrafficReport } from "./health-window";

/**
 * Outcomes waiting to be sent to each Worker's coordinator, per isolate. One send is in flight per
 * Worker at a time; outcomes that arrive meanwhile go out together in the next send, so under load the
 * coordinator gets one call per batch, not one per request.
 */
const pending = new Map<string, Map<string, TrafficReport>>();
const inFlight = new Set<string>();

export interface Outcome {
	deployment_id: string;
	version_id: string;
	error: boolean;
	exception: boolean;
}

export function reportOutcome(env: Env, ctx: ExecutionContext, worker: string, outcome: Outcome): void {
	const batch = pending.get(worker) ?? new Map<string, TrafficReport>();
	pending.set(worker, batch);
	const key = `${outcome.deployment_id}/${outcome.version_id}`;
	const report = batch.get(key) ?? {
		deployment_id: outcome.deployment_id,
		version_id: outcome.version_id,
		requests: 0,
		errors: 0,
		exceptions: 0,
	};
	report.requests += 1;
	if (outcome.error) report.errors += 1;
	if (outcome.exception) report.exceptions += 1;
	batch.set(key, report);
	if (!inFlight.has(worker)) ctx.waitUntil(flush(env, worker));
}

async function flush(env: Env, worker: string): Promise<void> {
	inFlight.add(worker);
	try {
		for (;;) {
			const batch = pending.get(worker);
			if (!batch || batch.size === 0) return;
			pending.delete(worker);
			const result = await coordinatorFor(env, worker).recordTraffic(worker, [...batch.values()]);
			if ("error" in result) console.error(JSON.stringify({ at: "edge.report", worker, error: result.error }));
		}
	} catch (error) {
		// Health counts are best effort: a lost batch must never fail or slow the traffic it describes.
		console.error(JSON.stringify({ at: "edge.report", worker, error: String(error) }));
	} finally {
		inFlight.delete(worker);
	}
}

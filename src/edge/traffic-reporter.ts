import { coordinatorFor } from "../services/coordinator";
import type { TrafficReport } from "./health/health-window";

/**
 * Outcomes waiting to reach each Worker's coordinator, per isolate. Under traffic they ride along with
 * the next request's lookup of the active deployment (`takePending`), so counting health costs no call
 * of its own; when traffic stops, a delayed flush sends what is left.
 */
const pending = new Map<string, Map<string, TrafficReport>>();
const flushScheduled = new Set<string>();

/** How long outcomes may wait for a request to carry them before they are sent on their own. */
export const FLUSH_DELAY_MS = 250;

export interface Outcome {
	deployment_id: string;
	version_id: string;
	/** Who called (client-id.ts), or null when unknown. */
	client: string | null;
	error: boolean;
	exception: boolean;
}

export function reportOutcome(env: Env, ctx: ExecutionContext, worker: string, outcome: Outcome): void {
	const batch = pending.get(worker) ?? new Map<string, TrafficReport>();
	pending.set(worker, batch);
	const key = `${outcome.deployment_id}/${outcome.version_id}/${outcome.client ?? ""}`;
	const report = batch.get(key) ?? {
		deployment_id: outcome.deployment_id,
		version_id: outcome.version_id,
		...(outcome.client ? { client: outcome.client } : {}),
		requests: 0,
		errors: 0,
		exceptions: 0,
	};
	report.requests += 1;
	if (outcome.error) report.errors += 1;
	if (outcome.exception) report.exceptions += 1;
	batch.set(key, report);
	if (!flushScheduled.has(worker)) {
		flushScheduled.add(worker);
		ctx.waitUntil(flushLater(env, worker));
	}
}

/** Hands over (and forgets) the outcomes waiting for `worker`, for a lookup to carry. */
export function takePending(worker: string): TrafficReport[] {
	const batch = pending.get(worker);
	if (!batch || batch.size === 0) return [];
	pending.delete(worker);
	return [...batch.values()];
}

async function flushLater(env: Env, worker: string): Promise<void> {
	try {
		await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS));
		const reports = takePending(worker);
		if (reports.length === 0) return;
		const result = await coordinatorFor(env, worker).recordTraffic(worker, reports);
		if (!result.ok) console.error(JSON.stringify({ at: "edge.report", worker, error: result.error }));
	} catch (error) {
		// Health counts are best effort: a lost batch must never fail or slow the traffic it describes.
		console.error(JSON.stringify({ at: "edge.report", worker, error: String(error) }));
	} finally {
		flushScheduled.delete(worker);
	}
}

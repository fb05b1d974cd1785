import { isSplit } from "../../core/traffic";
import type { Observation } from "../model";
import type { WorkerFacts } from "../worker-facts";

/** A gradual rollout left split longer than SHIPLOG_AUDIT_STALE_ROLLOUT_SECONDS: finish it or roll it back. */
export function staleRolloutFindings(f: WorkerFacts, now: Date, staleMs: number): Observation[] {
	const active = f.active;
	if (!active || !isSplit(active)) return [];
	const age = now.getTime() - new Date(active.created_on).getTime();
	if (age <= staleMs) return [];
	const split = active.versions.map((v) => `${v.version_id} ${v.percentage}%`).join(", ");
	return [
		{
			check: "stale_rollouts",
			worker: f.record.name,
			subject: `deployment:${active.id}`,
			severity: "warning",
			message: `Worker ${f.record.name} has been split between two versions (${split}) since ${active.created_on}, longer than ${Math.round(staleMs / 3_600_000)} h: finish the rollout or roll it back.`,
			details: { deployment_id: active.id, since: active.created_on, versions: active.versions },
		},
	];
}

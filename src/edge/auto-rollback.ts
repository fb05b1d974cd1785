import type { Deployment } from "../core/model";
import type { HealthPolicy } from "./edge-config";
import type { Counts } from "./health-window";

export interface RollbackDecision {
	/** The version that goes back to 100 %. */
	keep: string;
	failing: string;
	message: string;
}

/**
 * During a gradual rollout (two versions), rolls back when the newest version's error rate within this
 * deployment passes the threshold over at least the minimum number of requests.
 */
export function autoRollbackDecision(
	deployment: Deployment,
	newest: string,
	counts: Counts | undefined,
	policy: HealthPolicy,
): RollbackDecision | null {
	if (policy.errorRate === null || deployment.versions.length !== 2 || !counts) return null;
	const old = deployment.versions.find((v) => v.version_id !== newest);
	if (!old || counts.requests < policy.minRequests) return null;
	const rate = counts.errors / counts.requests;
	if (!(rate > policy.errorRate)) return null;
	const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
	return {
		keep: old.version_id,
		failing: newest,
		message:
			`Automatic rollback: version ${newest} failed ${counts.errors} of ${counts.requests} requests ` +
			`(${pct(rate)}, ${counts.exceptions} exceptions) in the last ${Math.round(policy.windowMs / 1000)} s ` +
			`of deployment ${deployment.id}; the threshold is ${pct(policy.errorRate)} over at least ${policy.minRequests} requests.`,
	};
}

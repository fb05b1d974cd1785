import type { DeployCommand } from "../../coordinator/commands";
import type { Author, Deployment } from "../../core/model";
import type { RollbackPolicy } from "../../core/rollback-eligibility";
import { isSplit } from "../../core/traffic";
import type { HealthPolicy } from "../edge-config";
import type { Counts } from "./health-window";

export interface RollbackDecision {
	/** The version that goes back to 100 %. */
	keep: string;
	failing: string;
	message: string;
}

export const AUTO_ROLLBACK_AUTHOR: Author = { id: "shiplog", email: "auto-rollback@shiplog.local" };

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
	if (policy.errorRate === null || !isSplit(deployment) || !counts) return null;
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

/**
 * The deployment an automatic rollback makes: the other version at 100 %, conditional on the split still
 * being active, so a person's deployment that lands first wins (412) and the rollback is dropped.
 */
export function autoRollbackCommand(
	worker: string,
	split: Deployment,
	decision: RollbackDecision,
	at: string,
	policy: RollbackPolicy,
): DeployCommand {
	return {
		worker,
		author: AUTO_ROLLBACK_AUTHOR,
		source: "edge",
		audit: {
			principal_id: AUTO_ROLLBACK_AUTHOR.id,
			principal_kind: "system",
			token_prefix: null,
			source: "edge",
			request_id: null,
		},
		at,
		message: decision.message,
		triggered_by: "auto_rollback",
		versions: [{ version_id: decision.keep, percentage: 100 }],
		rollback_from: split.id,
		preconditions: { if_match: split.id },
		force: false,
		policy,
	};
}

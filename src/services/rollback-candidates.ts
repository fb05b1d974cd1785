import type { Deployment, Version } from "../core/model";
import {
	type RefusalReason,
	type RollbackFacts,
	type RollbackPolicy,
	rollbackEligibility,
} from "../core/rollback-eligibility";
import { getActiveDeployment } from "../storage/deployments";
import { loadRollbackFacts } from "../storage/rollback-facts";
import { getLatestVersions } from "../storage/versions";
import { getWorker } from "../storage/workers";

export interface RollbackCandidate {
	version: Version;
	/** The active deployment runs this version (alone or in a split). */
	active: boolean;
	eligible: boolean;
	/** Eligible once `force` is sent (only changed secrets stand in the way). */
	eligible_with_force: boolean;
	reasons: RefusalReason[];
}

/**
 * Every version in the rollback window with the reasons a rollback to it would be refused, judged by the
 * same rule the rollback applies (read here from D1; the rollback itself re-judges inside the coordinator).
 */
export async function rollbackCandidates(
	db: D1Database,
	worker: string,
	policy: RollbackPolicy,
): Promise<{ active_deployment_id: string | null; items: RollbackCandidate[] }> {
	const [record, active] = await Promise.all([getWorker(db, worker), getActiveDeployment(db, worker)]);
	if (!record || !active) return { active_deployment_id: null, items: [] };
	const versions = await getLatestVersions(db, worker, policy.window);
	const facts = await loadRollbackFacts(db, worker, active, record.version_count, versions, { versions });
	return { active_deployment_id: active.id, items: judgeCandidates(active, versions, facts, policy) };
}

/** Each version of the window judged by the one rollback rule; the audit's readiness check judges by it too. */
export function judgeCandidates(
	active: Deployment,
	versions: Version[],
	facts: RollbackFacts,
	policy: RollbackPolicy,
): RollbackCandidate[] {
	const serving = new Set(active.versions.map((v) => v.version_id));
	return versions.map((version) => {
		const plain = rollbackEligibility(version, facts, policy, false);
		return {
			version,
			active: serving.has(version.id),
			eligible: plain.eligible,
			eligible_with_force: rollbackEligibility(version, facts, policy, true).eligible,
			reasons: plain.reasons,
		};
	});
}

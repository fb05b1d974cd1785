import type { RollbackPolicy } from "../../core/rollback-eligibility";
import { judgeCandidates } from "../../services/rollback-candidates";
import type { Observation } from "../model";
import type { WorkerFacts } from "../worker-facts";

/**
 * Whether the active deployment could be rolled back now, judged by the one rule (rollbackEligibility, through
 * the same facts and candidates as GET …/rollback-candidates): reported when no version of the window is an
 * eligible target (force counts, since only changed secrets need it), or when the newest target is older than
 * `maxAgeMs`. A Worker with one version has nothing to roll back to and nothing to fix, so it is not reported.
 */
export function readinessFindings(
	f: WorkerFacts,
	policy: RollbackPolicy,
	now: Date,
	maxAgeMs: number | null,
): Observation[] {
	if (!f.active || !f.rollback || f.record.version_count < 2) return [];
	const worker = f.record.name;
	const candidates = judgeCandidates(f.active, f.window, f.rollback, policy);
	// The version serving all traffic is refused as already active; during a split, either version is a target.
	const targets = candidates.filter((c) => c.eligible_with_force);
	if (targets.length === 0) {
		const refused = candidates
			.filter((c) => !c.reasons.some((r) => r.code === "already_active"))
			.map((c) => ({ version_id: c.version.id, number: c.version.number, reasons: c.reasons.map((r) => r.code) }));
		const words = refused.map((c) => `version ${c.number}: ${c.reasons.join(", ")}`).join("; ");
		return [
			{
				check: "rollback_readiness",
				worker,
				subject: "no_target",
				severity: "warning",
				message: `Worker ${worker} cannot be rolled back: no version in the rollback window is an eligible target (${words || "no other version in the window"}).`,
				details: { active_deployment_id: f.active.id, candidates: refused },
			},
		];
	}
	if (maxAgeMs === null) return [];
	const newest = targets.reduce((a, b) => (b.version.number > a.version.number ? b : a)).version;
	const age = now.getTime() - new Date(newest.created_on).getTime();
	if (age <= maxAgeMs) return [];
	return [
		{
			check: "rollback_readiness",
			worker,
			subject: "old_target",
			severity: "warning",
			message: `Worker ${worker} can only roll back to version ${newest.number}, made ${newest.created_on} (more than ${Math.round(maxAgeMs / 86_400_000)} days ago): a rollback would undo everything since.`,
			details: {
				active_deployment_id: f.active.id,
				newest_target: { version_id: newest.id, number: newest.number, created_on: newest.created_on },
			},
		},
	];
}

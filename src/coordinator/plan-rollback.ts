import type { Deployment, Version } from "../core/model";
import { type RefusalReason, type RollbackPolicy, rollbackEligibility } from "../core/rollback-eligibility";
import { chooseRollbackTarget } from "../core/rollback-target";
import type { Ids } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import type { Change, RollbackCommand, RollbackOutcome, WriterState } from "./commands";
import type { PlanLog } from "./plan-log";
import { neverDeployed, newDeployment, versionsMissing } from "./records";

/**
 * A rollback deploys an earlier version at 100 %. It is judged here, inside the coordinator's queue,
 * against the state it commits on, so no deploy can slip in between the check and the rollback.
 */
export async function planRollback(
	state: WriterState,
	log: PlanLog,
	command: RollbackCommand,
	ids: Ids,
): Promise<Change<RollbackOutcome>> {
	const active = await log.activeDeployment();
	if (!active) throw neverDeployed(command.worker);
	const targetId = await chooseRollbackTarget(command.worker, command, active, log);
	const [target] = await log.versions([targetId]);
	if (!target) throw versionsMissing(command.worker, [targetId]);
	const overridden = await judgeRollback(state, log, active, target, command.policy, command.force);
	const deployment = newDeployment(state, command, ids, {
		message: command.message,
		triggered_by: "rollback",
		rollback_from: active.id,
		versions: [{ version_id: target.id, percentage: 100 }],
	});
	return {
		version: null,
		deployment,
		result: { deployment, target, replaced: active, overridden },
		serves: target.bindings,
	};
}

/** Refuses a rollback the rules forbid, with every reason; returns the reasons `force` overrode. */
export async function judgeRollback(
	state: WriterState,
	log: PlanLog,
	active: Deployment,
	target: Version,
	policy: RollbackPolicy,
	force: boolean,
): Promise<RefusalReason[]> {
	const activeVersions = await log.versions(active.versions.map((v) => v.version_id));
	const facts = await log.rollbackFacts(active, activeVersions, [target]);
	const verdict = rollbackEligibility(target, facts, policy, force);
	if (!verdict.eligible) {
		throw ApiError.because(
			"rule_refused",
			"rollback_refused",
			`Rollback of ${state.worker} to version ${target.number} refused: ${verdict.reasons.map((r) => r.message).join(" ")}`,
			{ target_version_id: target.id, target_version_number: target.number, reasons: verdict.reasons },
		);
	}
	return verdict.reasons;
}

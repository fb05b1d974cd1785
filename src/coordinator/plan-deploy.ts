import type { Deployment } from "../core/model";
import { deletedResources, refuseDeletedResources } from "../core/resources";
import { classifyDeployment } from "../core/rollback-target";
import { checkSplit, soleVersion } from "../core/traffic";
import type { Ids } from "../deps/deps";
import type { Change, DeployCommand, WriterState } from "./commands";
import type { PlanLog } from "./plan-log";
import { judgeRollback } from "./plan-rollback";
import { newDeployment, rollbackOnly, versionsMissing } from "./records";

/** A deployment of versions that were already uploaded: one at 100 %, or two split by percentage. */
export async function planDeploy(
	state: WriterState,
	log: PlanLog,
	command: DeployCommand,
	ids: Ids,
): Promise<Change<Deployment>> {
	checkSplit(command.versions);
	const wanted = command.versions.map((v) => v.version_id);
	const found = await log.versions(wanted);
	const missing = wanted.filter((id) => !found.some((v) => v.id === id));
	if (missing.length > 0) throw versionsMissing(command.worker, missing);
	const bindings = found.flatMap((v) => v.bindings);
	refuseDeletedResources(deletedResources(bindings, await log.resourceStates(bindings)));

	let rollback_from = command.rollback_from ?? null;
	let triggered_by = command.triggered_by;
	let isRollback = false;
	const active = await log.activeDeployment();
	if (active) {
		const only = soleVersion(command);
		const target = found.find((v) => v.id === only) ?? null;
		const serving = await log.versions(active.versions.map((v) => v.version_id));
		const kind = classifyDeployment(target, serving);
		if (kind.rollback && target) {
			isRollback = true;
			if (kind.check_rules) await judgeRollback(state, log, active, target, command.policy, command.force);
			rollback_from ??= active.id;
			if (triggered_by === "deployment") triggered_by = "rollback";
		}
	}
	if (command.rollback_only && !isRollback) throw rollbackOnly(command.worker);
	const deployment = newDeployment(state, command, ids, {
		message: command.message,
		triggered_by,
		rollback_from,
		versions: command.versions,
	});
	return { version: null, deployment, result: deployment, serves: bindings };
}

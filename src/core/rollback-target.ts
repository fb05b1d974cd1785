import { ApiError } from "../errors/api-error";
import type { Deployment, Version } from "./model";
import { soleVersion } from "./traffic";

/** How a rollback names its target: a version, a deployment that ran one version at 100 %, or neither. */
export interface RollbackTargetSpec {
	version_id?: string;
	deployment_id?: string;
}

/** What choosing a target needs to look up in the Worker's log. */
export interface TargetLookup {
	deployment(id: string): Promise<Deployment | null>;
	/**
	 * The most recent deployment numbered below `before` that ran one version at 100 %, other than
	 * `excludeVersionId` (the version serving now, which a rollback to would change nothing).
	 */
	previousFullDeployment(before: number, excludeVersionId: string | null): Promise<Deployment | null>;
}

/**
 * The id of the version a rollback goes to: the version named; the one version a named deployment ran;
 * by default, the version of the previous deployment that ran another version at 100 %.
 */
export async function chooseRollbackTarget(
	worker: string,
	spec: RollbackTargetSpec,
	active: Deployment,
	lookup: TargetLookup,
): Promise<string> {
	if (spec.version_id) return spec.version_id;
	if (spec.deployment_id) {
		const deployment = await lookup.deployment(spec.deployment_id);
		if (!deployment) {
			throw ApiError.because(
				"not_found",
				"deployment_not_found",
				`Worker ${worker} has no deployment ${spec.deployment_id}.`,
			);
		}
		const only = soleVersion(deployment);
		if (!only) {
			throw ApiError.because(
				"invalid_request",
				"split_deployment_target",
				`Deployment ${deployment.id} split traffic between two versions; name the one to roll back to with version_id.`,
			);
		}
		return only;
	}
	const previous = await lookup.previousFullDeployment(active.number, soleVersion(active));
	const target = previous ? soleVersion(previous) : null;
	if (!target) {
		throw ApiError.because(
			"not_found",
			"no_previous_deployment",
			`Worker ${worker} has no earlier deployment that ran another version at 100 %; name the target with version_id.`,
		);
	}
	return target;
}

/** How a new deployment relates to the one it replaces. */
export type DeploymentKind =
	/** Anything that is not all traffic back to an older version. */
	| { rollback: false }
	/** All traffic back to a version older than the newest serving now: a rollback, whoever asks for it. */
	| { rollback: true; check_rules: boolean };

/**
 * However it is asked for (a deployment, `wrangler rollback`, `versions deploy`), sending all traffic to a
 * version older than the newest one serving now is a rollback. The rollback rules apply when the target is
 * not serving at all; a version already taking part of the traffic is known to run.
 */
export function classifyDeployment(target: Version | null, serving: Version[]): DeploymentKind {
	if (!target || !serving.some((v) => v.number > target.number)) return { rollback: false };
	return { rollback: true, check_rules: !serving.some((v) => v.id === target.id) };
}

import { bindingsWithOutsideState, withoutSecretMaterial } from "../core/bindings";
import type { Deployment, Version } from "../core/model";
import type { RefusalReason } from "../core/rollback-eligibility";
import { chooseRollbackTarget } from "../core/rollback-target";
import { diffVersions } from "../core/version-diff";
import { ApiError } from "../errors/api-error";
import { requireWorker } from "../services/lookups";
import { rollbackPolicy } from "../services/policy";
import { rollbackCandidates } from "../services/rollback-candidates";
import { getActiveDeployment, getDeployment, getPreviousFullDeployment } from "../storage/deployments";
import { getVersion, getVersionByNumber, getVersionsByIds } from "../storage/versions";
import type { ChangeKind } from "./action-value";
import type { VersionRef } from "./grammar";
import { type VersionNumbers, versionNumbers } from "./labels";
import { diffSummary } from "./read-views";

/** What a confirmed change would do, as shown before anyone confirms it. */
export interface ChangePlan {
	kind: ChangeKind;
	worker: string;
	/** The active deployment shown: the change is made only while it is still active. */
	active: Deployment;
	numbers: VersionNumbers;
	/** The version that would take all traffic. */
	target: Version;
	/** The newest version serving now, what the change is measured from. */
	current: Version;
	changes: string[];
	/** Bindings whose data (or other Worker) may have moved on since the target was made. */
	outside_state: { name: string; type: string }[];
	/** Allowed as it is; allowed only with force (changed secrets); the reasons against. */
	eligible: boolean;
	eligible_with_force: boolean;
	reasons: RefusalReason[];
}

async function resolveVersion(db: D1Database, worker: string, ref: VersionRef): Promise<Version> {
	const version =
		"number" in ref ? await getVersionByNumber(db, worker, ref.number) : await getVersion(db, worker, ref.id);
	if (!version) {
		const shown = "number" in ref ? `v${ref.number}` : ref.id;
		throw ApiError.because("not_found", "version_not_found", `${worker} has no version ${shown}.`);
	}
	return version;
}

async function requireActive(db: D1Database, worker: string): Promise<Deployment> {
	await requireWorker(db, worker);
	const active = await getActiveDeployment(db, worker);
	if (!active) throw ApiError.because("conflict", "never_deployed", `${worker} has never been deployed.`);
	return active;
}

async function servingVersions(db: D1Database, worker: string, active: Deployment): Promise<Version[]> {
	const serving = await getVersionsByIds(
		db,
		worker,
		active.versions.map((v) => v.version_id),
	);
	return serving.sort((a, b) => a.number - b.number);
}

async function planFor(
	env: Env,
	kind: ChangeKind,
	worker: string,
	active: Deployment,
	serving: Version[],
	target: Version,
): Promise<ChangePlan> {
	const current = serving.at(-1) as Version;
	const numbers = await versionNumbers(env.DB, worker, [active]);
	const diff = diffVersions(current, target, new Map(), withoutSecretMaterial);
	let judged = { eligible: true, eligible_with_force: true, reasons: [] as RefusalReason[] };
	if (kind === "rollback") {
		const policy = rollbackPolicy(env);
		const { items } = await rollbackCandidates(env.DB, worker, policy);
		const item = items.find((c) => c.version.id === target.id);
		judged = item
			? { eligible: item.eligible, eligible_with_force: item.eligible_with_force, reasons: item.reasons }
			: {
					eligible: false,
					eligible_with_force: false,
					reasons: [
						{
							code: "outside_window",
							overridable: false,
							message: `v${target.number} is older than the latest ${policy.window} versions that a rollback may target.`,
						},
					],
				};
	}
	return {
		kind,
		worker,
		active,
		numbers,
		target,
		current,
		changes: diffSummary(diff),
		outside_state: kind === "promote" ? [] : bindingsWithOutsideState(target.bindings),
		...judged,
	};
}

/**
 * A rollback as `/shiplog rollback` shows it: to the version named, or by default to the previous
 * deployment that ran another version at 100 % (the same choice the rollback itself makes).
 */
export async function planRollback(env: Env, worker: string, version: VersionRef | null): Promise<ChangePlan> {
	const db = env.DB;
	const active = await requireActive(db, worker);
	const serving = await servingVersions(db, worker, active);
	const targetId = version
		? (await resolveVersion(db, worker, version)).id
		: await chooseRollbackTarget(worker, {}, active, {
				deployment: (id) => getDeployment(db, worker, id),
				previousFullDeployment: (before, exclude) => getPreviousFullDeployment(db, worker, before, exclude),
			});
	const target = (await getVersion(db, worker, targetId)) ?? (await resolveVersion(db, worker, { id: targetId }));
	return planFor(env, "rollback", worker, active, serving, target);
}

/** Promote (all traffic to the newer version of a split) or abort (all traffic back to the older one). */
export async function planRollout(env: Env, kind: "promote" | "abort", worker: string): Promise<ChangePlan> {
	const active = await requireActive(env.DB, worker);
	if (active.versions.length < 2) {
		throw new ApiError(
			"conflict",
			`${worker} has no gradual rollout in progress: its active deployment runs one version at 100 %.`,
		);
	}
	const serving = await servingVersions(env.DB, worker, active);
	const target = (kind === "promote" ? serving.at(-1) : serving[0]) as Version;
	return planFor(env, kind, worker, active, serving, target);
}

/** The plan a confirmation button stands for, re-read now (for the second confirmation of a forced rollback). */
export function replan(env: Env, kind: ChangeKind, worker: string, target: string): Promise<ChangePlan> {
	return kind === "rollback" ? planRollback(env, worker, { id: target }) : planRollout(env, kind, worker);
}

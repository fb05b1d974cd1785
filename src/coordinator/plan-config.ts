import {
	applyConfigPatch,
	type ConfigPatch,
	checkSettingsPatch,
	copyWithConfig,
	secretPatch,
} from "../core/config-change";
import { ownClassBindings, refuseUnknownClasses } from "../core/do-classes";
import type { TriggeredBy, Version } from "../core/model";
import { deletedResources, refuseDeletedResources } from "../core/resources";
import { soleVersion } from "../core/traffic";
import type { Ids } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import type { SecretValueRecord } from "../secrets/cipher";
import { secretRef, secretRefBinding } from "../secrets/seal-upload";
import type { Change, ConfigCommand, ConfigOutcome, WriterState } from "./commands";
import type { PlanLog } from "./plan-log";
import { neverDeployed, newDeployment, newVersion, versionsMissing } from "./records";

/**
 * Settings and secrets: a new version copied from the active one with the change, deployed at 100 % (or
 * copied from the latest one and not deployed). A change that changes nothing makes nothing.
 */
export async function planConfig(
	state: WriterState,
	log: PlanLog,
	command: ConfigCommand,
	ids: Ids,
): Promise<Change<ConfigOutcome>> {
	const base = command.deploy ? await activeSingleVersion(state, log) : await latestVersion(state, log);
	const { patch, secret_values } = await patchFor(base, log, command);
	const { config, changes } = applyConfigPatch(base, patch);
	const unchanged = state.active_deployment_id ?? "";
	if (changes.length === 0) {
		const result = { changed: false, changes, version: null, deployment: null, active_deployment_id: unchanged };
		return { version: null, deployment: null, result };
	}
	const triggered_by: TriggeredBy = command.change.kind === "settings" ? "settings" : "secret";
	const { author, source, message } = command;
	const version = newVersion(
		state,
		command,
		ids,
		copyWithConfig(base, config, { author, source, message, triggered_by }),
	);
	refuseDeletedResources(deletedResources(version.bindings, await log.resourceStates(version.bindings)));
	if (ownClassBindings(state.worker, version.bindings).length > 0) {
		refuseUnknownClasses(state.worker, version.bindings, await log.durableObjectClasses());
	}
	const deployment = command.deploy
		? newDeployment(state, command, ids, {
				message: command.message,
				triggered_by,
				rollback_from: null,
				versions: [{ version_id: version.id, percentage: 100 }],
			})
		: null;
	const active_deployment_id = deployment?.id ?? unchanged;
	return {
		version,
		deployment,
		result: { changed: true, changes, version, deployment, active_deployment_id },
		secret_values,
		serves: version.bindings,
	};
}

async function patchFor(
	base: Version,
	log: PlanLog,
	command: ConfigCommand,
): Promise<{ patch: ConfigPatch; secret_values: SecretValueRecord[] }> {
	const { change } = command;
	switch (change.kind) {
		case "settings":
			checkSettingsPatch(base, change.patch);
			return { patch: change.patch, secret_values: [] };
		case "secret_delete":
			return { patch: secretPatch(base, change.name, null), secret_values: [] };
		case "secret_put": {
			const current = base.bindings.find((b) => b.name === change.name);
			const kept = current && (await log.sameSecretValue(current, change.value)) ? secretRef(current) : undefined;
			const binding = secretRefBinding(change.name, kept ?? change.value.id);
			return { patch: secretPatch(base, change.name, binding), secret_values: kept ? [] : [change.value] };
		}
	}
}

async function activeSingleVersion(state: WriterState, log: PlanLog): Promise<Version> {
	const active = await log.activeDeployment();
	if (!active) throw neverDeployed(state.worker);
	const only = soleVersion(active);
	if (!only) {
		throw ApiError.because(
			"conflict",
			"active_deployment_split",
			`The active deployment of ${state.worker} splits traffic between two versions, so there is no one version to change. Deploy one version at 100 % (or roll back) first.`,
		);
	}
	const [version] = await log.versions([only]);
	if (!version) throw versionsMissing(state.worker, [only]);
	return version;
}

async function latestVersion(state: WriterState, log: PlanLog): Promise<Version> {
	const version = await log.latestVersion();
	if (!version) {
		throw ApiError.because("not_found", "no_versions", `Worker ${state.worker} has no versions yet.`);
	}
	return version;
}

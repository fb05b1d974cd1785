import { classesAfter, ownClassBindings, planClassChanges, refuseUnknownClasses } from "../core/do-classes";
import { carriesMigration } from "../core/metadata";
import { deletedResources, refuseDeletedResources } from "../core/resources";
import { resolveUpload } from "../core/version-builder";
import type { Ids } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import type { Change, UploadCommand, UploadOutcome, WriterState } from "./commands";
import type { PlanLog } from "./plan-log";
import { newDeployment, newVersion } from "./records";

/** An upload makes a new version and, for a deploy, a deployment of it at 100 %. */
export async function planUpload(
	state: WriterState,
	log: PlanLog,
	command: UploadCommand,
	ids: Ids,
): Promise<Change<UploadOutcome>> {
	if (!command.deploy && state.deployment_count === 0) {
		throw ApiError.because(
			"not_found",
			"never_deployed",
			`Worker ${command.worker} has never been deployed. The first upload must deploy it.`,
		);
	}
	if (!command.deploy && carriesMigration(command.draft.migrations)) {
		throw ApiError.because(
			"invalid_request",
			"durable_object_migration_in_version_upload",
			"A version upload cannot carry Durable Object migrations; deploy the version instead.",
		);
	}
	const previous = await log.latestVersion();
	const triggered_by = command.deploy ? "upload" : "version_upload";
	const version = newVersion(state, command, ids, resolveUpload(previous, { ...command, triggered_by }));
	refuseDeletedResources(deletedResources(version.bindings, await log.resourceStates(version.bindings)));
	// Migrations ride only on deploys (above), so they take effect when this deployment becomes active.
	const migrations = command.deploy ? command.draft.migrations : null;
	const touchesClasses = migrations !== null || ownClassBindings(command.worker, version.bindings).length > 0;
	const live = touchesClasses ? await log.durableObjectClasses() : [];
	const class_changes = planClassChanges(live, migrations, version.id);
	refuseUnknownClasses(command.worker, version.bindings, classesAfter(live, class_changes));
	const deployment = command.deploy
		? newDeployment(state, command, ids, {
				message: version.message,
				triggered_by: "upload",
				rollback_from: null,
				versions: [{ version_id: version.id, percentage: 100 }],
			})
		: null;
	return {
		version,
		deployment,
		result: { version, deployment },
		secret_values: command.secret_values,
		serves: version.bindings,
		class_changes,
	};
}

import type { Author, Deployment, Source, Version } from "../core/model";
import type { Ids } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import type { CommandBase, WriterState } from "./commands";

/** A deployment that takes the next number; who made it, from where and when come from the command. */
export function newDeployment(
	state: WriterState,
	command: Pick<CommandBase, "worker" | "at"> & { author: Author; source: Source },
	ids: Ids,
	fields: Pick<Deployment, "message" | "triggered_by" | "rollback_from" | "versions">,
): Deployment {
	return {
		id: ids.uuid(),
		worker: command.worker,
		number: state.deployment_count + 1,
		created_on: command.at,
		author: command.author,
		source: command.source,
		message: fields.message,
		triggered_by: fields.triggered_by,
		rollback_from: fields.rollback_from,
		strategy: "percentage",
		versions: fields.versions,
	};
}

/** A version that takes the next number, made at the command's time. */
export function newVersion(
	state: WriterState,
	command: Pick<CommandBase, "worker" | "at">,
	ids: Ids,
	fields: Omit<Version, "id" | "worker" | "number" | "created_on">,
): Version {
	return { id: ids.uuid(), worker: command.worker, number: state.version_count + 1, created_on: command.at, ...fields };
}

export function neverDeployed(worker: string): ApiError {
	return ApiError.because("not_found", "never_deployed", `Worker ${worker} has never been deployed.`);
}

export function versionsMissing(worker: string, ids: string[]): ApiError {
	return ApiError.because("not_found", "version_not_found", `Worker ${worker} has no version ${ids.join(", ")}.`);
}

/** A deployment that is not a rollback, asked for by a principal that may only roll back. */
export function rollbackOnly(worker: string): ApiError {
	return ApiError.because(
		"forbidden",
		"rollback_only",
		`This token may roll back Worker ${worker} but not deploy it: only a deployment that sends all traffic back to an older version is allowed; anything else needs the deploy scope (deploy:${worker}).`,
		{ missing_scope: `deploy:${worker}` },
	);
}

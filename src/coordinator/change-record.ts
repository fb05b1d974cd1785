import { type AuditActor, type AuditEntry, auditSourceOf, type Outcome } from "../audit-log/entry";
import type { Deployment } from "../core/model";
import type { Change, CommandBase } from "./commands";

/** Who asked for a command, for the audit log; commands sent without one are attributed to their author. */
export function commandActor(command: CommandBase): AuditActor {
	return (
		command.audit ?? {
			principal_id: command.author.id,
			principal_kind: null,
			token_prefix: null,
			source: auditSourceOf(command.source),
			request_id: null,
		}
	);
}

/** What a change did, in the audit log's words: a deployment that turned out to be a rollback says so. */
export function changeAction(asked: string, deployment: Deployment | null): string {
	if (deployment?.triggered_by === "auto_rollback") return "worker.auto_rollback";
	if (deployment?.triggered_by === "rollback") return "worker.rollback";
	return asked;
}

/** The audit entry for a command's outcome: a committed change, nothing to change, or a replay. */
export function changeEntry(
	id: string,
	command: CommandBase,
	asked: string,
	change: Pick<Change<unknown>, "version" | "deployment"> | null,
	outcome: Extract<Outcome, "success" | "unchanged" | "replayed">,
): AuditEntry {
	const version = change?.version ?? null;
	const deployment = change?.deployment ?? null;
	const details: Record<string, unknown> = {};
	if (version) details.version_number = version.number;
	if (deployment) {
		details.deployment_number = deployment.number;
		details.triggered_by = deployment.triggered_by;
		details.versions = deployment.versions;
		if (deployment.rollback_from) details.rollback_from = deployment.rollback_from;
	}
	return {
		...commandActor(command),
		id,
		at: command.at,
		action: changeAction(asked, deployment),
		outcome,
		status: null,
		worker: command.worker,
		version_id: version?.id ?? null,
		deployment_id: deployment?.id ?? null,
		target_type: null,
		target_id: null,
		reason: null,
		message: deployment?.message ?? version?.message ?? null,
		details: Object.keys(details).length > 0 ? details : null,
	};
}

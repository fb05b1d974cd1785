import type { AuditActor } from "../audit-log/entry";
import type { Deployment } from "../core/model";
import { isSplit } from "../core/traffic";

/**
 * What webhooks can subscribe to. Every deployment is exactly one event, the most specific that fits, so
 * a channel hears once per change.
 */
export const EVENT_TYPES = [
	/** A deployment that is none of the below (upload and deploy, settings, secrets, a deployment of uploaded versions). */
	"worker.deployed",
	/** A rollback asked for by a person or a pipeline. */
	"worker.rolled_back",
	/** shiplog rolled a failing gradual rollout back by itself. */
	"worker.auto_rolled_back",
	/** A rollback the rules refused. */
	"rollback.refused",
	/** A deployment that splits traffic between two versions. */
	"rollout.started",
	/** A deployment that ends a split by sending all traffic to one of its versions (not a rollback). */
	"rollout.finished",
	"resource.deleted",
	/** An audit finding (issue 15) opened or closed. */
	"finding.opened",
	"finding.closed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event as code emits it; the id, sequence number and time are given when it is stored. */
export interface NewEvent {
	type: EventType;
	/** The Worker it is about, or null for account-wide events. Webhooks with Worker patterns filter on it. */
	worker: string | null;
	/** Anything JSON; never a secret value or a token. Receivers get it as the payload's `data`. */
	data: Record<string, unknown>;
}

/** An event as stored in the outbox. */
export interface StoredEvent extends NewEvent {
	seq: number;
	id: string;
	created_on: string;
}

/** Who did it, as receivers see it. */
export const eventActor = (actor: AuditActor) => ({
	principal: actor.principal_id,
	kind: actor.principal_kind,
	source: actor.source,
});

/** The one event a new deployment makes, given the deployment it replaced. */
export function deploymentEvent(deployment: Deployment, previous: Deployment | null, actor: AuditActor): NewEvent {
	const endsSplit = previous !== null && isSplit(previous) && !isSplit(deployment);
	let type: EventType = "worker.deployed";
	if (deployment.triggered_by === "auto_rollback") type = "worker.auto_rolled_back";
	else if (deployment.triggered_by === "rollback") type = "worker.rolled_back";
	else if (isSplit(deployment)) type = "rollout.started";
	else if (endsSplit) type = "rollout.finished";
	return {
		type,
		worker: deployment.worker,
		data: {
			worker: deployment.worker,
			deployment,
			previous_deployment: previous,
			rollout: isSplit(deployment) ? "started" : endsSplit ? "finished" : null,
			actor: eventActor(actor),
		},
	};
}

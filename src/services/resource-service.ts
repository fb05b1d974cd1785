import { auditEntry, recordAudit } from "../audit-log/record";
import type { ResourceType } from "../core/bindings";
import { ApiError } from "../errors/api-error";
import { emitEvent } from "../notifications/emit";
import { eventActor } from "../notifications/events";
import { markResourceDeleted, type ResourceRecord, registerResource, resourceKey } from "../storage/resources";
import { auditActor, type ChangeContext } from "./change-context";

export interface ResourceRef {
	type: ResourceType;
	id: string;
}

/** Registers a resource, or brings a deleted one back (it exists again, e.g. a bucket recreated by name). */
export async function addResource(
	ctx: ChangeContext,
	ref: ResourceRef,
): Promise<{ record: ResourceRecord; created: boolean }> {
	const { record, created, revived } = await registerResource(
		ctx.env.DB,
		ref,
		ctx.actor.author,
		ctx.deps.clock.now().toISOString(),
	);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "resource.register",
			outcome: created || revived ? "success" : "unchanged",
			target_type: "resource",
			target_id: resourceKey(ref),
			details: revived ? { revived: true } : null,
		}),
	);
	return { record, created };
}

/** Deletes a resource: new versions that bind it, and rollbacks to versions that bind it, are refused from now on. */
export async function deleteResource(ctx: ChangeContext, ref: ResourceRef): Promise<ResourceRecord> {
	const { record, deleted } = await markResourceDeleted(
		ctx.env.DB,
		ref,
		ctx.actor.author,
		ctx.deps.clock.now().toISOString(),
	);
	if (!record) throw new ApiError("not_found", `No ${ref.type} ${ref.id} is registered.`);
	const actor = auditActor(ctx);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, actor, {
			action: "resource.delete",
			outcome: deleted ? "success" : "unchanged",
			target_type: "resource",
			target_id: resourceKey(ref),
		}),
	);
	if (deleted) {
		await emitEvent(ctx.env, ctx.deps, {
			type: "resource.deleted",
			worker: null,
			data: { resource: { type: ref.type, id: ref.id }, deleted_on: record.deleted_on, actor: eventActor(actor) },
		});
	}
	return record;
}

import type { ResourceType } from "../core/bindings";
import { ApiError } from "../errors/api-error";
import { markResourceDeleted, type ResourceRecord, registerResource } from "../storage/resources";
import type { ChangeContext } from "./change-context";

export interface ResourceRef {
	type: ResourceType;
	id: string;
}

/** Registers a resource, or brings a deleted one back (it exists again, e.g. a bucket recreated by name). */
export function addResource(
	ctx: ChangeContext,
	ref: ResourceRef,
): Promise<{ record: ResourceRecord; created: boolean }> {
	return registerResource(ctx.env.DB, ref, ctx.deps.clock.now().toISOString());
}

/** Deletes a resource: new versions that bind it, and rollbacks to versions that bind it, are refused from now on. */
export async function deleteResource(ctx: ChangeContext, ref: ResourceRef): Promise<ResourceRecord> {
	const record = await markResourceDeleted(ctx.env.DB, ref, ctx.deps.clock.now().toISOString());
	if (!record) throw new ApiError("not_found", `No ${ref.type} ${ref.id} is registered.`);
	return record;
}

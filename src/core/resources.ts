import { ApiError } from "../errors/api-error";
import { type Binding, boundResource, type ResourceType } from "./bindings";

export interface DeletedResource {
	binding: string;
	type: ResourceType;
	id: string;
	deleted_on: string;
}

/** The bound resources (KV, R2, queues, D1) that the registry says were deleted; keys are `type:id`. */
export function deletedResources(
	bindings: Binding[],
	registry: Map<string, { deleted_on: string | null }>,
): DeletedResource[] {
	return bindings.flatMap((binding) => {
		const r = boundResource(binding);
		const deleted_on = r ? registry.get(`${r.type}:${r.id}`)?.deleted_on : null;
		return r && deleted_on ? [{ binding: binding.name, ...r, deleted_on }] : [];
	});
}

/** How a deleted resource is named in every refusal, new versions and rollbacks alike. */
export const describeDeleted = (gone: DeletedResource[]) =>
	gone.map((g) => `${g.binding} (${g.type} ${g.id})`).join(", ");

/** A new version or deployment that binds a deleted resource is refused before anything is written. */
export function refuseDeletedResources(gone: DeletedResource[]): void {
	if (gone.length === 0) return;
	const message = `These bindings point at resources that were deleted: ${describeDeleted(gone)}. Remove or repoint them, or register the resource again if it exists.`;
	throw ApiError.because("rule_refused", "resource_deleted", message, {
		reasons: [{ code: "resource_deleted", message, overridable: false, details: { resources: gone } }],
	});
}

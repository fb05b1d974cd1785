import { type Binding, boundResource, type ResourceType } from "../upload/bindings";

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

export function boundResources(bindings: Binding[]): { type: ResourceType; id: string }[] {
	return bindings.flatMap((b) => {
		const r = boundResource(b);
		return r ? [r] : [];
	});
}

import { boundResource, type ResourceType } from "../../core/bindings";
import { resourceKey } from "../../storage/resources";
import type { Observation } from "../model";
import type { WorkerFacts } from "../worker-facts";

/** The resources the active deployment binds (what audit_worker_resources records for the Worker). */
export function activeResources(f: WorkerFacts): { type: ResourceType; id: string }[] {
	const all = f.active_versions.flatMap((v) => v.bindings.flatMap((b) => boundResource(b) ?? []));
	return [...new Map(all.map((r) => [resourceKey(r), r])).values()];
}

/** Bindings of the active deployment that point at a resource the registry says was deleted. */
export function danglingBindingFindings(f: WorkerFacts): Observation[] {
	const worker = f.record.name;
	const out = new Map<string, Observation>();
	for (const version of f.active_versions) {
		for (const binding of version.bindings) {
			const r = boundResource(binding);
			const deleted_on = r ? f.resources.get(resourceKey(r))?.deleted_on : null;
			if (!r || !deleted_on) continue;
			const subject = `binding:${binding.name}:${resourceKey(r)}`;
			out.set(subject, {
				check: "resources",
				worker,
				subject,
				severity: "critical",
				message: `Worker ${worker}: binding ${binding.name} of the active deployment points at ${r.type} ${r.id}, deleted on ${deleted_on}. Recreate and register the resource, or deploy a version without the binding.`,
				details: { binding: binding.name, type: r.type, id: r.id, deleted_on, version_id: version.id },
			});
		}
	}
	return [...out.values()];
}

/** A registered, undeleted resource that no Worker's active deployment binds (an account-level finding). */
export function unboundResourceFinding(r: { type: string; id: string; created_on: string }): Observation {
	return {
		check: "resources",
		worker: "",
		subject: `unbound:${r.type}:${r.id}`,
		severity: "info",
		message: `${r.type} ${r.id} is registered but no Worker's active deployment binds it: delete it if nothing else uses it.`,
		details: { type: r.type, id: r.id, registered_on: r.created_on },
	};
}

import type { Binding, BindingType } from "../core/bindings";
import type { Deployment } from "../core/model";
import type { Edge } from "./edge-interface";

/**
 * Binding types the built-in edge builds into a managed Worker's `env` (see worker-env.ts). Everything
 * else needs a resource shiplog does not host (KV, R2, D1, queues, Durable Objects, AI, ...). `inherit`
 * copies a binding of an earlier version, which was checked when that version was uploaded.
 */
export const BUILT_IN_BINDINGS: ReadonlySet<BindingType> = new Set<BindingType>([
	"plain_text",
	"json",
	"secret_text",
	"version_metadata",
	"service",
	"inherit",
]);

export class BuiltInEdge implements Edge {
	readonly kind = "built-in" as const;

	bindingProblems(bindings: Binding[]): string[] {
		return bindings
			.filter((b) => !BUILT_IN_BINDINGS.has(b.type))
			.map((b) => `binding ${b.name} has type ${b.type}, which the built-in edge does not provide`);
	}

	/**
	 * Nothing to push: the built-in edge asks the Worker's coordinator for the active deployment on every
	 * request (see resolve.ts), so the commit itself is the publication.
	 */
	async publish(_deployment: Deployment): Promise<void> {}
}

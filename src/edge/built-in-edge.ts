import type { Binding, BindingType } from "../core/bindings";
import type { Deployment } from "../core/model";
import { isRuntimeBinding, runtimeBindingProblem } from "../runtime/runtime-bindings";
import type { Edge } from "./edge-interface";
import { forgetActive } from "./resolve";

/**
 * Binding types the built-in edge builds into a managed Worker's `env` (see worker-env.ts; KV, R2 and D1
 * through src/runtime). Everything else needs a resource shiplog does not host yet (queues, Durable Objects,
 * AI, ...). `inherit` copies a binding of an earlier version, which was checked when that version was uploaded.
 */
export const BUILT_IN_BINDINGS: ReadonlySet<BindingType> = new Set<BindingType>([
	"plain_text",
	"json",
	"secret_text",
	"version_metadata",
	"service",
	"kv_namespace",
	"r2_bucket",
	"d1",
	"durable_object_namespace",
	"queue",
	"inherit",
]);

export class BuiltInEdge implements Edge {
	readonly kind = "built-in" as const;

	bindingProblems(bindings: Binding[]): string[] {
		return bindings.flatMap((b) => {
			if (!BUILT_IN_BINDINGS.has(b.type)) {
				return [`binding ${b.name} has type ${b.type}, which the built-in edge does not provide`];
			}
			if (b.type === "durable_object_namespace") return durableObjectProblems(b);
			const problem = isRuntimeBinding(b) ? runtimeBindingProblem(b) : null;
			return problem ? [problem] : [];
		});
	}

	/**
	 * Nothing to push: the built-in edge asks the Worker's coordinator for the active deployment (see
	 * resolve.ts), so the commit itself is the publication. What this isolate may have kept of the old pointer
	 * (SHIPLOG_EDGE_FRESHNESS) is forgotten here, so a coordinator sharing the edge's isolate serves it at once.
	 */
	async publish(deployment: Deployment): Promise<void> {
		forgetActive(deployment.worker);
	}
}

/**
 * A Durable Object binding the built-in edge can serve names a class (an identifier) of the Worker's own: the
 * class's storage comes from the Worker's migrations (checked when the version is planned, src/core/do-classes).
 * A class of another Worker (`script_name`) is not served: a Worker reaches only its own classes.
 */
function durableObjectProblems(b: Extract<Binding, { type: "durable_object_namespace" }>): string[] {
	if (b.script_name !== undefined) {
		return [
			`binding ${b.name} names a Durable Object class of Worker ${b.script_name}; the built-in edge runs only a Worker's own classes (leave out script_name)`,
		];
	}
	if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(b.class_name ?? "")) {
		return [`binding ${b.name} needs class_name, the name of a Durable Object class the Worker exports`];
	}
	return [];
}

import type { Binding } from "../core/bindings";
import type { Deployment } from "../core/model";
import { ApiError } from "../errors/api-error";
import { BuiltInEdge } from "./built-in-edge";
import type { Edge } from "./edge-interface";
import { forgetActive } from "./resolve";

export function edgeFor(env: Env): Edge {
	const kind = env.SHIPLOG_EDGE?.trim() || "built-in";
	if (kind !== "built-in") {
		throw new ApiError(
			"not_configured",
			`SHIPLOG_EDGE is ${JSON.stringify(kind)}; the only edge shiplog has is "built-in".`,
		);
	}
	return new BuiltInEdge();
}

/**
 * The one check every new version meets: a version whose bindings the target edge cannot provide is
 * refused, unless SHIPLOG_EDGE_UNSUPPORTED_BINDINGS is "accept" (shiplog then keeps the version in the
 * log, and the edge answers its traffic with a 501 naming the binding).
 */
export function assertEdgeCanRun(env: Env, bindings: Binding[]): void {
	if (env.SHIPLOG_EDGE_UNSUPPORTED_BINDINGS?.trim().toLowerCase() === "accept") return;
	const edge = edgeFor(env);
	const problems = edge.bindingProblems(bindings);
	if (problems.length > 0) {
		throw ApiError.because(
			"invalid_request",
			"binding_unsupported",
			`The ${edge.kind} edge cannot run this version: ${problems.join("; ")}. Remove these bindings or deploy to an edge that supports them.`,
			{ edge: edge.kind, problems },
		);
	}
}

/**
 * Tells the edge that a deployment is committed. The commit has happened whatever the edge says, so a
 * failure is logged, never reported as the change's failure (an edge that can fail needs a retry of its own).
 */
export async function publishDeployment(env: Env, deployment: Deployment): Promise<void> {
	try {
		await edgeFor(env).publish(deployment);
	} catch (error) {
		console.error(JSON.stringify({ at: "edge.publish", deployment: deployment.id, error: String(error) }));
	}
}

/**
 * A change to `worker` went through this isolate (whatever its outcome): the edge here forgets any active
 * deployment it kept, so its next request is served by what the change left (docs/edge.md "Freshness").
 */
export function changedThroughHere(worker: string): void {
	forgetActive(worker);
}

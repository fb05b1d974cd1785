import type { Deployment } from "../core/model";
import { ApiError } from "../errors/api-error";
import type { Binding } from "../upload/bindings";
import { BuiltInEdge } from "./built-in-edge";

/**
 * Where a Worker's traffic is served from, and what a pointer change needs to reach that traffic.
 * The built-in edge serves managed Workers itself through the Worker Loader; a publisher to a
 * Cloudflare account (versions and deployments pushed to Cloudflare's API) is the other shape this
 * interface is for.
 */
export interface Edge {
	readonly kind: "built-in";
	/** Why this edge could not run a version with these bindings: one line per binding, empty if it can. */
	bindingProblems(bindings: Binding[]): string[];
	/** Called by the coordinator once a new deployment is committed (the pointer moved). */
	publish(deployment: Deployment): Promise<void>;
}

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
 * The one deploy-time check: a version whose bindings the target edge cannot provide is refused, unless
 * SHIPLOG_EDGE_UNSUPPORTED_BINDINGS is "accept" (shiplog then keeps the version in the log, and the edge
 * answers its traffic with a 501 naming the binding).
 */
export function assertEdgeCanRun(env: Env, bindings: Binding[]): void {
	if (env.SHIPLOG_EDGE_UNSUPPORTED_BINDINGS?.trim().toLowerCase() === "accept") return;
	const edge = edgeFor(env);
	const problems = edge.bindingProblems(bindings);
	if (problems.length > 0) {
		throw new ApiError(
			"invalid_request",
			`The ${edge.kind} edge cannot run this version: ${problems.join("; ")}. Remove these bindings or deploy to an edge that supports them.`,
			{ edge: edge.kind, problems },
		);
	}
}

import type { Binding } from "../core/bindings";
import type { Deployment } from "../core/model";

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

import { WorkerEntrypoint } from "cloudflare:workers";
import { systemDeps } from "../deps/deps";
import { edgeConfig } from "./edge-config";
import { edgeErrorResponse } from "./edge-errors";
import { serveManaged } from "./serve";
import type { ServiceBindingProps } from "./worker-env";

/**
 * The stub a managed Worker holds for a `service` binding. Each call resolves the target Worker's
 * active deployment afresh, with the caller's headers (so version keys and overrides apply to
 * subrequests too), and reaches the target's default export or the entrypoint the binding names.
 * Only `fetch` crosses it; RPC methods on service bindings are not provided by the built-in edge.
 */
export class ServiceBinding extends WorkerEntrypoint<Env, ServiceBindingProps> {
	override async fetch(request: Request): Promise<Response> {
		const { caller, target, entrypoint, hops } = this.ctx.props;
		const requestId = systemDeps.ids.uuid();
		// Each call runs its target one level deeper (the depth is part of the target's loader id and of its own
		// bindings' props, so no code of a managed Worker can reset it): a loop ends here, after a few calls.
		const maxHops = edgeConfig(this.env).maxHops;
		if (hops + 1 > maxHops) {
			return edgeErrorResponse(
				"loop_detected",
				`Worker ${caller} called ${target} through a service binding ${hops + 1} calls deep in one request; shiplog allows ${maxHops}. Look for a loop in these Workers' service bindings.`,
				requestId,
			);
		}
		return serveManaged(this.env, this.ctx, { worker: target, url: request.url, routing: "binding" }, request, {
			requestId,
			entrypoint,
			hops: hops + 1,
			clock: systemDeps.clock,
		});
	}
}

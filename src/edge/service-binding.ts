import { WorkerEntrypoint } from "cloudflare:workers";
import { systemDeps } from "../deps/deps";
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
		const { target, entrypoint } = this.ctx.props;
		return serveManaged(this.env, this.ctx, { worker: target, url: request.url, routing: "binding" }, request, {
			requestId: systemDeps.ids.uuid(),
			entrypoint,
		});
	}
}

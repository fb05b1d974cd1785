import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { Need, Scope } from "../core/scopes";
import type { AppEnv } from "../http/app-env";
import { requireScope } from "./require-scope";

/**
 * What a route needs, declared on the route itself. The guard enforces it, the OpenAPI document shows it
 * (`security: bearer: [scope]`), and the scope-matrix test reads it from the route table.
 */
export interface RoutePolicy {
	/** null: any authenticated principal (the handler shows each only what it may see). */
	scope: Scope | null;
	/** worker: the Worker named by the :name parameter; account: account-wide; some: at least one Worker (lists). */
	on: "worker" | "account" | "some";
	/** What the audit log calls a refused request to this route. */
	action: string;
}

export type Guard = MiddlewareHandler<AppEnv> & { readonly policy: RoutePolicy };

/** The decision for `policy` on this request: authorize() with the Worker the path names. */
function needFor(policy: RoutePolicy & { scope: Scope }, worker: string | undefined): Need {
	if (policy.on === "worker") return { scope: policy.scope, worker: worker ?? "" };
	if (policy.on === "account") return { scope: policy.scope, account: true };
	return { scope: policy.scope, someWorker: true };
}

/** The per-route middleware: 403 naming the missing scope, decided before anything is looked up. */
export function guard(policy: RoutePolicy): Guard {
	const middleware = createMiddleware<AppEnv>(async (c, next) => {
		c.set("policy", policy);
		const worker = policy.on === "worker" ? (c.req.param("name") ?? "") : undefined;
		c.set("worker", worker);
		if (policy.scope !== null)
			requireScope(c.var.principal.grants, needFor({ ...policy, scope: policy.scope }, worker));
		await next();
	});
	return Object.assign(middleware, { policy });
}

export const policyOf = (handler: unknown): RoutePolicy | undefined =>
	typeof handler === "function" && "policy" in handler ? (handler as Guard).policy : undefined;

/**
 * For createRoute: the route's policy as OpenAPI security and as its guard, from one declaration.
 * `needs("deploy", "worker.deploy")` on a /{name} route: the deploy scope for that Worker.
 */
export function needs(scope: Scope | null, action: string, on: RoutePolicy["on"] = "worker") {
	return {
		security: [{ bearer: scope ? [scope] : [] }],
		middleware: [guard({ scope, on, action })],
	};
}

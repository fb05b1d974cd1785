import { RpcTarget } from "cloudflare:workers";
import type { Outcome } from "./outcome";

/**
 * One managed Worker request's session with a binding (shim/session.shim.js). The resource's store object
 * creates it, around the binding's operations for one holder (KvOperations, D1Operations), and the binding
 * entrypoint hands its stub to the Worker, whose later calls then reach the object in one hop instead of
 * passing through the entrypoint. It forwards only the methods named here, so it can do nothing the binding
 * itself cannot: the store's own methods (`usage`, `destroy`, …) and any other resource stay out of reach.
 */
export class BindingSession<B extends object> extends RpcTarget {
	readonly #binding: B;
	readonly #methods: ReadonlySet<string>;

	constructor(binding: B, methods: readonly (keyof B & string)[]) {
		super();
		this.#binding = binding;
		this.#methods = new Set(methods);
	}

	/** Calls `method` of the binding with `args` (what the Worker's stub call would have passed). */
	call(method: string, args: unknown[]): Promise<Outcome<unknown>> {
		if (typeof method !== "string" || !this.#methods.has(method) || !Array.isArray(args)) {
			// As data, like every answer on this surface (outcome.ts).
			return Promise.resolve({
				ok: false,
				error: { name: "TypeError", message: `No binding method ${String(method)}.` },
			});
		}
		const fn = (this.#binding as Record<string, unknown>)[method] as (...a: unknown[]) => Promise<Outcome<unknown>>;
		return fn.apply(this.#binding, args);
	}
}

import { RpcTarget } from "cloudflare:workers";
import type { Outcome } from "./outcome";

/**
 * One managed Worker request's session with a binding (shim/session.shim.js): the binding entrypoint instance
 * that answered `session()` stays alive with its request context and its Durable Object stub for as long as the
 * Worker's request holds this, so that request's later calls skip a new context and a new stub each. It forwards
 * only the binding's own methods, so it can do nothing the binding itself cannot.
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

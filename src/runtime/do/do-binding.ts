import { WorkerEntrypoint } from "cloudflare:workers";
import { BindingError, type Outcome, outcome, settle } from "../outcome";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { checkMethod, checkObjectId, DO_TARGET_HEADER, type FacetTarget, supervisorFor } from "./do-rules";

/** Props of the alarm control a managed Worker's Durable Object classes hold (see DurableObjectControl). */
export interface DurableObjectControlProps {
	worker: string;
	version: string;
	/** The Worker's own classes this version binds: class name -> storage id. */
	classes: Record<string, string>;
}

/**
 * What a managed Worker holds for a `durable_object_namespace` binding of its own class (through the shim's
 * DurableObjectNamespace). `ctx.props.resource` is the class's storage id, so a Worker reaches only the classes
 * its version binds. Requests go to the class's supervisor, which runs the object as a facet.
 */
export class DurableObjectNamespaceBinding extends WorkerEntrypoint<Env, RuntimeBindingProps> {
	/**
	 * `stub.fetch()`: travels as HTTP, not as an RPC call, since only that path carries a WebSocket upgrade. The
	 * object's id comes in a header the shim sets; the target header is always set here, whatever the Worker sent.
	 */
	override async fetch(request: Request): Promise<Response> {
		const hex = request.headers.get(DO_ID_HEADER) ?? "";
		if (!/^[0-9a-f]{64}$/.test(hex)) return new Response("Invalid Durable Object ID", { status: 400 });
		const headers = new Headers(request.headers);
		headers.delete(DO_ID_HEADER);
		const target: FacetTarget = { storage: this.ctx.props.resource, hex };
		headers.set(DO_TARGET_HEADER, JSON.stringify(target));
		return supervisorFor(this.env, target.storage).fetch(new Request(request, { headers }));
	}

	/** An RPC call on `stub[method](...args)`. */
	callMethod(hex: unknown, method: unknown, args: unknown): Promise<Outcome<unknown>> {
		return outcome(
			async () => {
				const id = checkObjectId(hex);
				const name = checkMethod(method);
				if (!Array.isArray(args)) throw new BindingError("RPC arguments must be an array.", "TypeError");
				const target: FacetTarget = { storage: this.ctx.props.resource, hex: id };
				return settle(await supervisorFor(this.env, target.storage).callFacet(target, name, args));
			},
			"Durable Object call failed: internal error",
			{ binding: this.ctx.props.binding, worker: this.ctx.props.worker, version: this.ctx.props.version },
		);
	}
}

/** The header in which the shim names the object of a `stub.fetch()`. */
export const DO_ID_HEADER = "shiplog-do-id";

/**
 * Alarms of a managed Worker's Durable Objects. Facets cannot set alarms, so the shim routes an object's
 * `ctx.storage.setAlarm/getAlarm/deleteAlarm` here, and the class's supervisor keeps the alarm and calls the
 * object's `alarm()` when it is due. Reaches only the classes in its props (the version's own bindings).
 */
export class DurableObjectControl extends WorkerEntrypoint<Env, DurableObjectControlProps> {
	setAlarm(className: unknown, hex: unknown, time: unknown): Promise<Outcome<void>> {
		return this.#run(className, hex, (target) => {
			const at = typeof time === "number" && Number.isFinite(time) ? time : Number.NaN;
			if (Number.isNaN(at)) throw new BindingError("setAlarm() needs a Date or a number of milliseconds.", "TypeError");
			return supervisorFor(this.env, target.storage).setFacetAlarm(target, at);
		});
	}

	getAlarm(className: unknown, hex: unknown): Promise<Outcome<number | null>> {
		return this.#run(className, hex, (target) => supervisorFor(this.env, target.storage).getFacetAlarm(target));
	}

	deleteAlarm(className: unknown, hex: unknown): Promise<Outcome<void>> {
		return this.#run(className, hex, (target) => supervisorFor(this.env, target.storage).setFacetAlarm(target, null));
	}

	#run<T>(className: unknown, hex: unknown, call: (target: FacetTarget) => Promise<Outcome<T>>): Promise<Outcome<T>> {
		return outcome(
			async () => {
				const storage = typeof className === "string" ? this.ctx.props.classes[className] : undefined;
				if (storage === undefined || !Object.hasOwn(this.ctx.props.classes, className as string)) {
					throw new BindingError(`Durable Object class ${String(className)} is not one of this Worker's.`, "TypeError");
				}
				return settle(await call({ storage, hex: checkObjectId(hex) }));
			},
			"Durable Object alarm failed: internal error",
			{ worker: this.ctx.props.worker, version: this.ctx.props.version },
		);
	}
}

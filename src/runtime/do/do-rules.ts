import { BindingError } from "../outcome";
import type { DurableObjectSupervisor } from "./do-supervisor";

/** Which object of which class storage a call is for. */
export interface FacetTarget {
	storage: string;
	hex: string;
}

/** Set by DurableObjectNamespaceBinding on every `stub.fetch()` it forwards; the supervisor trusts only it. */
export const DO_TARGET_HEADER = "shiplog-do-target";

/** The supervisor that holds every object of one class storage. */
export function supervisorFor(env: Env, storageId: string): DurableObjectStub<DurableObjectSupervisor> {
	return env.DO_SUPERVISORS.getByName(`do:${storageId}`);
}

export function checkObjectId(hex: unknown): string {
	if (typeof hex !== "string" || !/^[0-9a-f]{64}$/.test(hex)) {
		throw new BindingError("Invalid Durable Object ID: must be 64 hex digits", "TypeError");
	}
	return hex;
}

/** Methods the runtime calls itself, or that RPC cannot reach on a Durable Object. */
const RESERVED = new Set([
	"fetch",
	"alarm",
	"webSocketMessage",
	"webSocketClose",
	"webSocketError",
	"constructor",
	"then",
	"dup",
]);

export function checkMethod(method: unknown): string {
	if (typeof method !== "string" || method === "" || method.length > 256) {
		throw new BindingError("A Durable Object method name must be a non-empty string.", "TypeError");
	}
	if (RESERVED.has(method) || method.startsWith("__shiplog")) {
		throw new BindingError(`The RPC receiver does not implement the method "${method}".`, "TypeError");
	}
	return method;
}

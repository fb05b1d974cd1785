import type { Binding } from "../core/bindings";
import { idProblem, type StorageType } from "./resource-ids";

/**
 * Binding types whose value in a managed Worker's `env` shiplog provides at run time: a stub of one of shiplog's
 * WorkerEntrypoints (one class per type) whose identity lives only in `ctx.props`, wrapped inside the Worker
 * by the shim (src/runtime/shim) into the real API's shape. Durable Object namespaces and queues plug in here
 * the same way: a `resource` and a `stub`, a wrapper in shim/install.shim.js, and, where the Worker's own
 * classes or handlers must be wrapped, exports added by entry-module.ts.
 */
export type RuntimeBindingType = StorageType;

export type RuntimeBinding = Extract<Binding, { type: RuntimeBindingType }>;

/** Everything a binding stub knows about who holds it. Only `resource` addresses data; the rest is for logs. */
export interface RuntimeBindingProps {
	/** The resource's account-wide id: namespace id, bucket name, database id. */
	resource: string;
	worker: string;
	version: string;
	binding: string;
}

interface RuntimeBindingKind<B extends RuntimeBinding> {
	resource(binding: B): string;
	stub(exports: Cloudflare.Exports, props: RuntimeBindingProps): unknown;
}

type Kinds = { [T in RuntimeBindingType]: RuntimeBindingKind<Extract<RuntimeBinding, { type: T }>> };

const KINDS: Kinds = {
	kv_namespace: {
		resource: (b) => b.namespace_id,
		stub: (exports, props) => exports.KvNamespaceBinding({ props }),
	},
	r2_bucket: {
		// A jurisdiction names where Cloudflare keeps a bucket; shiplog keeps every bucket in one place.
		resource: (b) => b.bucket_name,
		stub: (exports, props) => exports.R2BucketBinding({ props }),
	},
	d1: {
		resource: (b) => b.database_id ?? b.id ?? "",
		stub: (exports, props) => exports.D1DatabaseBinding({ props }),
	},
	queue: {
		resource: (b) => b.queue_name,
		stub: (exports, props) => exports.QueueBinding({ props }),
	},
};

/**
 * The env key under which the stubs' types travel to the shim (which removes it). A colon is not allowed in
 * a binding name, so no binding of the Worker's can clash with it. Must equal MANIFEST in install.shim.js.
 */
export const RUNTIME_MANIFEST = "shiplog:bindings";

/** The env key of the alarm control of the Worker's own Durable Object classes. Must equal CONTROL in install.shim.js. */
export const DO_CONTROL = "shiplog:durable-objects";

export function isRuntimeBinding(binding: Binding): binding is RuntimeBinding {
	return Object.hasOwn(KINDS, binding.type);
}

function kindOf<B extends RuntimeBinding>(binding: B): RuntimeBindingKind<B> {
	return KINDS[binding.type] as unknown as RuntimeBindingKind<B>;
}

export function runtimeResource(binding: RuntimeBinding): string {
	return kindOf(binding).resource(binding);
}

/** Why shiplog cannot serve this binding (a malformed id), or null. */
export function runtimeBindingProblem(binding: RuntimeBinding): string | null {
	const problem = idProblem(binding.type, runtimeResource(binding));
	return problem && `binding ${binding.name}: ${problem}`;
}

export function runtimeBindingStub(
	exports: Cloudflare.Exports,
	binding: RuntimeBinding,
	holder: { worker: string; version: string },
): unknown {
	const props: RuntimeBindingProps = { resource: runtimeResource(binding), binding: binding.name, ...holder };
	return kindOf(binding).stub(exports, props);
}

/** Which env entries the shim must wrap, and as what (Durable Object namespaces too: src/runtime/do). */
export function runtimeManifest(bindings: Binding[]): Record<string, RuntimeBindingType | "durable_object_namespace"> {
	const manifest: Record<string, RuntimeBindingType | "durable_object_namespace"> = {};
	for (const binding of bindings) {
		if (isRuntimeBinding(binding) || binding.type === "durable_object_namespace") manifest[binding.name] = binding.type;
	}
	return manifest;
}

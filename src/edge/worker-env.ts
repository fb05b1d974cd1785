import type { Binding } from "../core/bindings";
import { ownClassBindings } from "../core/do-classes";
import type { Version } from "../core/model";
import type { DurableObjectControlProps } from "../runtime/do/do-binding";
import {
	DO_CONTROL,
	isRuntimeBinding,
	type RuntimeBindingProps,
	runtimeBindingProblem,
	runtimeBindingStub,
} from "../runtime/runtime-bindings";
import { revealSecrets } from "../secrets/reveal";
import { getLiveClasses } from "../storage/do-classes";
import { EdgeUnsupported } from "./edge-errors";

/** What a service binding stub carries: who calls, which managed Worker it reaches, and how deep the call is. */
export interface ServiceBindingProps {
	caller: string;
	target: string;
	entrypoint: string | null;
	/** How many service-binding calls led to the caller (0: it was reached from the edge itself). */
	hops: number;
}

/**
 * Builds a managed Worker's `env` from its version's bindings. A service binding becomes a loopback stub
 * into shiplog (`ServiceBinding`), which resolves the target's active deployment on every call, so a
 * deployment of the target changes what this Worker reaches without a deployment of this Worker. A storage
 * binding (KV, R2, D1) becomes a stub of that type's binding entrypoint, scoped by its props to the one
 * resource it names (src/runtime); the shim in the Worker's code gives it the real API's shape.
 */
export async function workerEnv(
	env: Env,
	ctx: HostContext,
	version: Version,
	hops: number,
): Promise<Record<string, unknown>> {
	// The values this version was made with: a rollback runs the target's secrets, not today's.
	const [secrets, classes] = await Promise.all([revealSecrets(env, version), boundClasses(env, version)]);
	const out: Record<string, unknown> = {};
	for (const binding of version.bindings) {
		out[binding.name] = bindingValue(ctx, version, binding, { secrets, classes }, hops);
	}
	if (classes.size > 0) {
		const props: DurableObjectControlProps = {
			worker: version.worker,
			version: version.id,
			classes: Object.fromEntries(
				ownClassBindings(version.worker, version.bindings).flatMap((b) => {
					const storage = classes.get(b.class_name ?? "");
					return storage === undefined ? [] : [[b.class_name as string, storage]];
				}),
			),
		};
		out[DO_CONTROL] = ctx.exports.DurableObjectControl({ props });
	}
	return out;
}

type HostContext = { readonly exports: Cloudflare.Exports };

/** The storage of the Worker's own classes (class name -> storage id), read only when the version binds one. */
async function boundClasses(env: Env, version: Version): Promise<Map<string, string>> {
	if (ownClassBindings(version.worker, version.bindings).length === 0) return new Map();
	const live = await getLiveClasses(env.DB, version.worker);
	return new Map(live.map((c) => [c.class_name, c.storage_id]));
}

function bindingValue(
	ctx: HostContext,
	version: Version,
	binding: Binding,
	known: { secrets: Record<string, string>; classes: Map<string, string> },
	hops: number,
): unknown {
	const { secrets } = known;
	if (binding.type === "durable_object_namespace") {
		const own = binding.script_name === undefined || binding.script_name === version.worker;
		const storage = own ? known.classes.get(binding.class_name ?? "") : undefined;
		if (storage === undefined) {
			throw new EdgeUnsupported(
				own
					? `Worker ${version.worker} cannot be served: binding ${binding.name} names Durable Object class ${binding.class_name ?? "?"}, which has no storage (no migration created it, or one deleted it).`
					: `Worker ${version.worker} cannot be served: binding ${binding.name} names a class of Worker ${binding.script_name}; a Worker reaches only its own Durable Object classes.`,
			);
		}
		const props: RuntimeBindingProps = {
			resource: storage,
			worker: version.worker,
			version: version.id,
			binding: binding.name,
		};
		return ctx.exports.DurableObjectNamespaceBinding({ props });
	}
	if (isRuntimeBinding(binding)) {
		const problem = runtimeBindingProblem(binding);
		if (problem) throw new EdgeUnsupported(`Worker ${version.worker} cannot be served: ${problem}.`);
		return runtimeBindingStub(ctx.exports, binding, { worker: version.worker, version: version.id });
	}
	switch (binding.type) {
		case "plain_text":
			return binding.text;
		case "json":
			return binding.json;
		case "secret_text":
			return secrets[binding.name];
		case "version_metadata":
			return { id: version.id, tag: version.tag ?? "", timestamp: version.created_on };
		case "service":
			return ctx.exports.ServiceBinding({
				props: { caller: version.worker, target: binding.service, entrypoint: binding.entrypoint ?? null, hops },
			});
		default:
			// Refused at upload (edge.ts) unless unsupported bindings are accepted into the log.
			throw new EdgeUnsupported(
				`Worker ${version.worker} binds ${binding.name} (${binding.type}), which the built-in edge does not provide.`,
			);
	}
}

import type { Binding } from "../core/bindings";
import type { Version } from "../core/model";
import { isRuntimeBinding, runtimeBindingProblem, runtimeBindingStub } from "../runtime/runtime-bindings";
import { revealSecrets } from "../secrets/reveal";
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
	ctx: ExecutionContext,
	version: Version,
	hops: number,
): Promise<Record<string, unknown>> {
	// The values this version was made with: a rollback runs the target's secrets, not today's.
	const secrets = await revealSecrets(env, version);
	const out: Record<string, unknown> = {};
	for (const binding of version.bindings) out[binding.name] = bindingValue(ctx, version, binding, secrets, hops);
	return out;
}

function bindingValue(
	ctx: ExecutionContext,
	version: Version,
	binding: Binding,
	secrets: Record<string, string>,
	hops: number,
): unknown {
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

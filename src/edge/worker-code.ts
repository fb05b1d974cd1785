import { ownClassBindings } from "../core/do-classes";
import type { ModuleEntry, Version } from "../core/model";
import { MODULE_KINDS } from "../core/module-types";
import { withRuntime } from "../runtime/runtime-code";
import { getModule } from "../storage/modules";
import type { EdgeConfig } from "./edge-config";
import { WorkerFault } from "./edge-errors";
import { workerEnv } from "./worker-env";

/** Used when a version names no compatibility date (the Worker Loader requires one). */
export const DEFAULT_COMPATIBILITY_DATE = "2026-11-01";

/**
 * The Worker Loader caches an isolate by id and silently keeps old code if the id is reused, so the id
 * names everything the code depends on: the version (immutable: code, bindings, secrets), the edge
 * settings baked into it, and how deep in a chain of service-binding calls it runs (its service bindings
 * carry that depth, so a loop is stopped after a few calls; see ServiceBinding).
 */
export function loaderId(version: Version, config: EdgeConfig, hops = 0): string {
	const depth = hops > 0 ? `;hops=${hops}` : "";
	return `${version.worker}@${version.id}#net=${config.allowOutbound ? "on" : "off"};cpu=${config.cpuMs}${depth}`;
}

export async function workerCode(
	env: Env,
	ctx: { readonly exports: Cloudflare.Exports },
	version: Version,
	config: EdgeConfig,
	hops = 0,
	/** Code for a cron run: with the entrypoint that calls scheduled() (see runtime-code.ts). */
	dispatch = false,
): Promise<WorkerLoaderWorkerCode> {
	const [modules, managedEnv] = await Promise.all([
		loadModules(env.MODULES, version.modules),
		workerEnv(env, ctx, version, hops),
	]);
	const code: WorkerLoaderWorkerCode = {
		compatibilityDate: version.compatibility_date ?? DEFAULT_COMPATIBILITY_DATE,
		compatibilityFlags: version.compatibility_flags,
		mainModule: version.main_module,
		modules,
		env: managedEnv,
		limits: { cpuMs: config.cpuMs },
	};
	// Leaving globalOutbound out would hand the managed Worker shiplog's own network access.
	if (!config.allowOutbound) code.globalOutbound = null;
	// Storage bindings need shiplog's shim around the Worker's code (its main module is always an ES module).
	const classes = ownClassBindings(version.worker, version.bindings).map((b) => b.class_name ?? "");
	return withRuntime(code, version.bindings, classes, dispatch);
}

async function loadModules(bucket: R2Bucket, entries: ModuleEntry[]): Promise<Record<string, WorkerLoaderModule>> {
	const loaded = await Promise.all(
		entries.map(async (entry) => {
			const object = await getModule(bucket, entry.sha256);
			if (!object) throw new Error(`module ${entry.name} (sha256 ${entry.sha256}) is missing from R2`);
			return [entry, await object.arrayBuffer()] as const;
		}),
	);
	const modules: Record<string, WorkerLoaderModule> = {};
	for (const [entry, bytes] of loaded) {
		const module = toLoaderModule(entry, bytes);
		if (module) modules[entry.name] = module;
	}
	return modules;
}

function toLoaderModule(entry: ModuleEntry, bytes: ArrayBuffer): WorkerLoaderModule | null {
	const text = () => new TextDecoder().decode(bytes);
	switch (MODULE_KINDS[entry.content_type]) {
		case "js":
			return { js: text() };
		case "cjs":
			return { cjs: text() };
		case "py":
			return { py: text() };
		case "text":
			return { text: text() };
		case "json":
			try {
				return { json: JSON.parse(text()) };
			} catch {
				throw new WorkerFault(`module ${entry.name} is not valid JSON`);
			}
		case "data":
			return { data: bytes };
		case "wasm":
			return { wasm: bytes };
		default:
			// Source maps and Python requirement lists are not modules the runtime imports.
			return null;
	}
}

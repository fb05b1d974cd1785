import type { Binding } from "../core/bindings";
import { ENTRY_MODULE, entryModule } from "./entry-module";
import { RUNTIME_MANIFEST, runtimeManifest } from "./runtime-bindings";
import { SHIM_MODULES } from "./shim-modules";

/** JavaScript RPC, which the binding stubs need, is on by default from this compatibility date; before it, "rpc". */
const RPC_DEFAULT_FROM = "2024-04-03";

/**
 * A managed Worker's code with shiplog's runtime added: the shim modules, the generated entry module as the
 * main module, the manifest the shim reads from `env`, and the `rpc` flag where the compatibility date
 * predates it. Code whose version binds no such binding is returned as it is.
 */
export function withRuntime(
	code: WorkerLoaderWorkerCode,
	bindings: Binding[],
	/** The Worker's own Durable Object classes this version binds: re-exported so they run as facets. */
	durableObjectClasses: string[] = [],
): WorkerLoaderWorkerCode {
	const manifest = runtimeManifest(bindings);
	if (Object.keys(manifest).length === 0) return code;
	const flags = code.compatibilityFlags ?? [];
	const needsRpcFlag = code.compatibilityDate < RPC_DEFAULT_FROM && !flags.includes("rpc");
	return {
		...code,
		compatibilityFlags: needsRpcFlag ? [...flags, "rpc"] : flags,
		mainModule: ENTRY_MODULE,
		modules: {
			...code.modules,
			...SHIM_MODULES,
			[ENTRY_MODULE]: { js: entryModule(code.mainModule, facetClassExports(durableObjectClasses)) },
		},
		env: { ...code.env, [RUNTIME_MANIFEST]: manifest },
	};
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Each Durable Object class of the Worker's, re-exported as a subclass (a local export wins over `export *`):
 * its `ctx` gets alarms routed through the supervisor, and the supervisor calls its alarm() through a method
 * no binding can name (do-rules.ts refuses `__shiplog*`).
 */
export function facetClassExports(classes: string[]): string[] {
	const names = [...new Set(classes)].filter((name) => IDENTIFIER.test(name));
	if (names.length === 0) return [];
	return [
		`import { facetContext as __shiplogFacetContext } from "./do.shim.js";`,
		...names.map(
			(name) => `export class ${name} extends main.${name} {
	constructor(ctx, env) { super(__shiplogFacetContext(ctx, ${JSON.stringify(name)}), env); }
	__shiplogAlarm(info) { return typeof this.alarm === "function" ? this.alarm(info) : undefined; }
}`,
		),
	];
}

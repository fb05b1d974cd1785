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
	/** Add the entrypoint through which shiplog runs the Worker's scheduled() handler (cron triggers). */
	dispatch = false,
): WorkerLoaderWorkerCode {
	const manifest = runtimeManifest(bindings);
	if (Object.keys(manifest).length === 0 && !dispatch) return code;
	const exports = [...facetClassExports(durableObjectClasses), ...(dispatch ? DISPATCH_EXPORTS : [])];
	const flags = code.compatibilityFlags ?? [];
	const needsRpcFlag = code.compatibilityDate < RPC_DEFAULT_FROM && !flags.includes("rpc");
	return {
		...code,
		compatibilityFlags: needsRpcFlag ? [...flags, "rpc"] : flags,
		mainModule: ENTRY_MODULE,
		modules: {
			...code.modules,
			...SHIM_MODULES,
			[ENTRY_MODULE]: { js: entryModule(code.mainModule, exports) },
		},
		env: { ...code.env, [RUNTIME_MANIFEST]: manifest },
	};
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Each Durable Object class of the Worker's, re-exported as a subclass (a local export wins over `export *`):
 * before the Worker's constructor runs, its storage gets the size guard (do.shim.js, first budget from
 * the facet's props) and its `ctx` alarms routed through the supervisor. The supervisor calls its alarm() and
 * its storage report through methods no binding can name (do-rules.ts refuses `__shiplog*`).
 */
export function facetClassExports(classes: string[]): string[] {
	const names = [...new Set(classes)].filter((name) => IDENTIFIER.test(name));
	if (names.length === 0) return [];
	return [
		`import { facetContext as __shiplogFacetContext, takeStorageGuard as __shiplogTakeStorageGuard } from "./do.shim.js";`,
		"const __shiplogGuards = __shiplogTakeStorageGuard();",
		...names.map(
			(name) => `export class ${name} extends main.${name} {
	#shiplogGuard;
	constructor(ctx, env) {
		const guard = __shiplogGuards.guard(ctx, ctx.props?.${FACET_STORAGE_PROP});
		super(__shiplogFacetContext(ctx, ${JSON.stringify(name)}), env);
		this.#shiplogGuard = guard;
	}
	__shiplogAlarm(info) { return typeof this.alarm === "function" ? this.alarm(info) : undefined; }
	__shiplogStorage(limit) { return __shiplogGuards.report(this.#shiplogGuard, limit); }
}`,
		),
	];
}

/** The facet's props field with its first storage budget in bytes (set by do-facet-version.ts's facetClass). */
export const FACET_STORAGE_PROP = "shiplogStorageBytes";

/** The hidden entrypoint of a Worker's code loaded for a cron run; a name no Worker's export is likely to take. */
export const DISPATCH_ENTRYPOINT = "ShiplogRuntime$Dispatch";

/**
 * Runs the Worker's scheduled() handler as Cloudflare calls it: an object's `scheduled(controller, env, ctx)` or
 * a WorkerEntrypoint's `scheduled(controller)`, with the reshaped env. Answers what happened as data: a
 * rejected RPC call loses its error's class (and workers-sdk #14736), so nothing here throws across it.
 */
const DISPATCH_EXPORTS = [
	`import { WorkerEntrypoint as __ShiplogEntrypoint } from "cloudflare:workers";`,
	`export class ${DISPATCH_ENTRYPOINT} extends __ShiplogEntrypoint {
	async runScheduled(cron, scheduledTime) {
		const handler = main.default;
		let retry = true;
		const controller = { cron, scheduledTime, type: "scheduled", noRetry() { retry = false; } };
		try {
			if (typeof handler === "function") {
				const instance = new handler(this.ctx, this.env);
				if (typeof instance.scheduled !== "function") return { outcome: "no_handler" };
				await instance.scheduled(controller);
			} else {
				if (typeof handler?.scheduled !== "function") return { outcome: "no_handler" };
				await handler.scheduled(controller, this.env, this.ctx);
			}
			return { outcome: "ok" };
		} catch (error) {
			return { outcome: "exception", error: String(error?.stack ?? error).slice(0, 2000), retry };
		}
	}
	async deliverBatch(queue, raw) {
		const handler = main.default;
		const each = new Map();
		let all = null;
		const decide = (id, op, options) => { if (!each.has(id)) each.set(id, { op, delaySeconds: options?.delaySeconds }); };
		const messages = raw.map((m) => Object.freeze({
			id: m.id, timestamp: new Date(m.timestamp), body: m.body, attempts: m.attempts,
			ack() { decide(m.id, "ack"); },
			retry(options) { decide(m.id, "retry", options); },
		}));
		const batch = Object.freeze({
			queue, messages,
			ackAll() { all ??= { op: "ack" }; },
			retryAll(options) { all ??= { op: "retry", delaySeconds: options?.delaySeconds }; },
		});
		const answer = (outcome, error) => ({ outcome, error, all, each: [...each] });
		try {
			if (typeof handler === "function") {
				const instance = new handler(this.ctx, this.env);
				if (typeof instance.queue !== "function") return answer("no_handler");
				await instance.queue(batch);
			} else {
				if (typeof handler?.queue !== "function") return answer("no_handler");
				await handler.queue(batch, this.env, this.ctx);
			}
			return answer("ok");
		} catch (error) {
			return answer("exception", String(error?.stack ?? error).slice(0, 2000));
		}
	}
}`,
];

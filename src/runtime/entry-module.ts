import { RUNTIME_DIR } from "./shim-modules";

/** The generated main module of a managed Worker that binds storage. */
export const ENTRY_MODULE = `${RUNTIME_DIR}/entry.js`;

/**
 * Source of the entry module: it installs the shim (which reshapes `env`) before the Worker's own main module
 * is evaluated, then exports everything that module exports, unchanged: the default handler object or
 * WorkerEntrypoint class, and every named entrypoint a service binding may target, all of which read the
 * reshaped `env`. A module without a default export gets an empty one, as a missing export cannot be named.
 *
 * `exports` are extra export statements, for binding kinds that must wrap the Worker's own classes or
 * handlers: a local export takes precedence over the same name from `export *`, so, e.g., Durable Object
 * classes can be re-exported as subclasses (`export class Room extends main.Room { … }`), and a hidden
 * entrypoint can deliver queue batches or cron events.
 */
export function entryModule(mainModule: string, exports: string[] = []): string {
	const main = JSON.stringify(`../${mainModule}`);
	return [
		`import "./install.shim.js";`,
		`import * as main from ${main};`,
		`export * from ${main};`,
		"export default main.default ?? {};",
		...exports,
		"",
	].join("\n");
}

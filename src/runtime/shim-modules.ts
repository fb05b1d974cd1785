import d1 from "./shim/d1.shim.js";
import durableObjects from "./shim/do.shim.js";
import install from "./shim/install.shim.js";
import kv from "./shim/kv.shim.js";
import outcome from "./shim/outcome.shim.js";
import queue from "./shim/queue.shim.js";
import r2 from "./shim/r2.shim.js";
import session from "./shim/session.shim.js";

/**
 * The folder of the modules shiplog adds to a managed Worker's code. An uploaded module's name cannot start
 * with "~" (upload/module-types.ts), so none of the Worker's own modules can clash with these.
 */
export const RUNTIME_DIR = "~shiplog";

/**
 * The shim (src/runtime/shim): plain JavaScript, kept in the repository and linted like the rest, imported as
 * text through wrangler.toml's `rules` (which the vitest pool follows too; `wrangler types` declares them).
 */
export const SHIM_MODULES: Record<string, { js: string }> = Object.fromEntries(
	Object.entries({
		"install.shim.js": install,
		"outcome.shim.js": outcome,
		"kv.shim.js": kv,
		"r2.shim.js": r2,
		"d1.shim.js": d1,
		"session.shim.js": session,
		"do.shim.js": durableObjects,
		"queue.shim.js": queue,
	}).map(([name, source]) => [`${RUNTIME_DIR}/${name}`, { js: source }]),
);

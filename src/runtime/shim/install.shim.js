// Shipped into every managed Worker that binds storage, and imported by the generated entry module before the
// Worker's own code (src/runtime/entry-module.ts). The host puts a raw RPC stub in `env` for each storage
// binding, plus a manifest saying which is which; this replaces each stub with an object shaped like the real
// binding. The `env` imported here is the object behind every view of the Worker's env (handler arguments,
// `this.env` of entrypoint classes, `import { env }`), so changing it once, here, reaches all of them.
import { env } from "cloudflare:workers";
import { D1Database, d1InternalError } from "./d1.shim.js";
import { DurableObjectNamespace, setControl } from "./do.shim.js";
import { KVNamespace, kvInternalError } from "./kv.shim.js";
import { Queue } from "./queue.shim.js";
import { R2Bucket } from "./r2.shim.js";
import { withSession } from "./session.shim.js";

/** Binding type (as in upload metadata) -> the class the Worker's code gets. New binding kinds add theirs here. */
const WRAPPERS = {
	kv_namespace: KVNamespace,
	r2_bucket: R2Bucket,
	d1: D1Database,
	durable_object_namespace: DurableObjectNamespace,
	queue: Queue,
};

/** Binding types whose entrypoint offers `session()` (src/runtime/binding-session.ts): their internal error. */
const SESSIONS = { kv_namespace: kvInternalError, d1: d1InternalError };

// Must equal RUNTIME_MANIFEST in src/runtime/runtime-bindings.ts. Not a valid binding name, so no clash.
const MANIFEST = "shiplog:bindings";

// Must equal DO_CONTROL in src/runtime/runtime-bindings.ts: the alarm control of the Worker's own classes.
const CONTROL = "shiplog:durable-objects";

const manifest = env[MANIFEST] ?? {};
delete env[MANIFEST];
setControl(env[CONTROL]);
delete env[CONTROL];
for (const [name, type] of Object.entries(manifest)) {
	const Wrapper = WRAPPERS[type];
	if (Wrapper && env[name] !== undefined) {
		const internalError = SESSIONS[type];
		env[name] = new Wrapper(internalError ? withSession(env[name], internalError) : env[name]);
	}
}

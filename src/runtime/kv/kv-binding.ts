import { WorkerEntrypoint } from "cloudflare:workers";
import type { Outcome } from "../outcome";
import type { Body } from "../read-bytes";
import { storeName } from "../resource-ids";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { KvOperations } from "./kv-operations";
import type { KvListOptions, KvPutOptions } from "./kv-rules";
import type { KvEntry, KvListPage } from "./kv-store";

/**
 * What a managed Worker holds for a `kv_namespace` binding (through the shim's KVNamespace). Its only identity
 * is `ctx.props`, set by shiplog when it built the Worker's env, so a Worker reaches exactly the namespaces its
 * version binds. Every public method is reachable from the Worker's code, so each checks its input as the real
 * binding would (kv-operations.ts); the method names avoid `get`/`put`/`delete`, which old Fetcher stubs
 * already have.
 */
export class KvNamespaceBinding extends WorkerEntrypoint<Env, RuntimeBindingProps> {
	getValue(key: string, cacheTtl?: unknown): Promise<Outcome<KvEntry | null>> {
		return this.#operations().getValue(key, cacheTtl);
	}

	getValues(keys: string[], cacheTtl?: unknown): Promise<Outcome<(KvEntry | null)[]>> {
		return this.#operations().getValues(keys, cacheTtl);
	}

	putValue(key: string, value: Body, options: KvPutOptions = {}): Promise<Outcome<void>> {
		return this.#operations().putValue(key, value, options);
	}

	deleteValue(key: string): Promise<Outcome<void>> {
		return this.#operations().deleteValue(key);
	}

	listKeys(options: KvListOptions = {}): Promise<Outcome<KvListPage>> {
		return this.#operations().listKeys(options);
	}

	/**
	 * The rest of the calling request's calls, made on the namespace's object in one hop: a session the store
	 * creates for this binding's holder (KvNamespaceStore.session; docs/runtime.md "Cost").
	 */
	session() {
		return this.#store().session(this.ctx.props);
	}

	#stub: ReturnType<Env["KV_NAMESPACES"]["getByName"]> | undefined;

	#store() {
		this.#stub ??= this.env.KV_NAMESPACES.getByName(storeName("kv_namespace", this.ctx.props.resource));
		return this.#stub;
	}

	#operations(): KvOperations {
		return new KvOperations(this.#store(), this.env, this.ctx.props);
	}
}

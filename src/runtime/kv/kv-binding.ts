import { WorkerEntrypoint } from "cloudflare:workers";
import { BindingSession } from "../binding-session";
import { type Outcome, outcome, settle } from "../outcome";
import { type Body, exactBuffer, readBytes } from "../read-bytes";
import { storeName } from "../resource-ids";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { storageLimits } from "../storage-limits";
import { bodyArg, stringArg, stringsArg } from "../wire-checks";
import {
	checkBulk,
	checkCacheTtl,
	checkKey,
	expirationOf,
	type KvListOptions,
	type KvOp,
	type KvPutOptions,
	kvFailure,
	listQuery,
	metadataOf,
} from "./kv-rules";
import type { KvEntry, KvListPage } from "./kv-store";

/**
 * What a managed Worker holds for a `kv_namespace` binding (through the shim's KVNamespace). Its only identity
 * is `ctx.props`, set by shiplog when it built the Worker's env, so a Worker reaches exactly the namespaces its
 * version binds. Every public method is reachable from the Worker's code, so each checks its input as the real
 * binding would; the method names avoid `get`/`put`/`delete`, which old Fetcher stubs already have.
 */
export class KvNamespaceBinding extends WorkerEntrypoint<Env, RuntimeBindingProps> {
	getValue(key: string, cacheTtl?: unknown): Promise<Outcome<KvEntry | null>> {
		return this.#run("GET", async () => {
			const name = stringArg(key, "A key");
			checkKey("GET", name);
			checkCacheTtl("GET", cacheTtl);
			return settle(await this.#store().read(name));
		});
	}

	getValues(keys: string[], cacheTtl?: unknown): Promise<Outcome<(KvEntry | null)[]>> {
		return this.#run("GET_BULK", async () => {
			const names = stringsArg(keys, "Keys");
			checkBulk(names);
			for (const name of names) checkKey("GET_BULK", name);
			checkCacheTtl("GET_BULK", cacheTtl);
			return settle(await this.#store().readMany(names));
		});
	}

	putValue(key: string, value: Body, options: KvPutOptions = {}): Promise<Outcome<void>> {
		return this.#run("PUT", async () => {
			const name = stringArg(key, "A key");
			checkKey("PUT", name);
			const body = bodyArg(value, "A KV value", false);
			const expiration = expirationOf(options ?? {}, Math.floor(Date.now() / 1000));
			const metadata = metadataOf(options ?? {});
			const limit = storageLimits(this.env).kvValueBytes;
			const bytes = await readBytes(body, limit, (length) =>
				kvFailure("PUT", 413, `Value length of ${length} exceeds limit of ${limit}.`, "storage_limit"),
			);
			settle(await this.#store().write(name, exactBuffer(bytes), metadata, expiration));
		});
	}

	deleteValue(key: string): Promise<Outcome<void>> {
		return this.#run("DELETE", async () => {
			const name = stringArg(key, "A key");
			checkKey("DELETE", name);
			settle(await this.#store().remove(name));
		});
	}

	listKeys(options: KvListOptions = {}): Promise<Outcome<KvListPage>> {
		return this.#run("GET", async () => settle(await this.#store().list(listQuery(options ?? {}))));
	}

	/** The rest of the calling request's calls, through this instance (binding-session.ts). */
	session(): BindingSession<KvNamespaceBinding> {
		return new BindingSession<KvNamespaceBinding>(this, [
			"getValue",
			"getValues",
			"putValue",
			"deleteValue",
			"listKeys",
		]);
	}

	#stub: ReturnType<Env["KV_NAMESPACES"]["getByName"]> | undefined;

	/** One stub per instance: a session's calls share it (a stub cannot outlive the request that made it). */
	#store() {
		this.#stub ??= this.env.KV_NAMESPACES.getByName(storeName("kv_namespace", this.ctx.props.resource));
		return this.#stub;
	}

	#run<T>(op: KvOp, work: () => Promise<T>): Promise<Outcome<T>> {
		const { worker, version, binding, resource } = this.ctx.props;
		const context = { worker, version, binding, resource, op };
		return outcome(work, `KV ${op} failed: 500 Internal error`, context, true);
	}
}

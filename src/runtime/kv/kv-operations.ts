import { type Outcome, outcome, settle } from "../outcome";
import { type Body, exactBuffer, readBytes } from "../read-bytes";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { storageLimits } from "../storage-limits";
import { bodyArg, stringArg, stringsArg } from "../wire-checks";
import {
	checkBulk,
	checkCacheTtl,
	checkKey,
	expirationOf,
	type KvListOptions,
	type KvListQuery,
	type KvOp,
	type KvPutOptions,
	kvFailure,
	listQuery,
	metadataOf,
} from "./kv-rules";
import type { KvEntry, KvListPage } from "./kv-store";

/** The namespace's data calls (KvNamespaceStore's), whether made over RPC or on the object itself. */
export interface KvData {
	read(key: string): Promise<Outcome<KvEntry | null>>;
	readMany(keys: string[]): Promise<Outcome<(KvEntry | null)[]>>;
	write(key: string, value: ArrayBuffer, metadata: string | null, expiration: number | null): Promise<Outcome<void>>;
	remove(key: string): Promise<Outcome<void>>;
	list(query: KvListQuery): Promise<Outcome<KvListPage>>;
}

/** What a managed Worker may call, by name: KvOperations' methods, and nothing else of it. */
export const KV_METHODS = ["getValue", "getValues", "putValue", "deleteValue", "listKeys"] as const;

/**
 * A managed Worker's KV calls, checked as the real binding checks them, on one namespace's data. Both ways a
 * Worker reaches a namespace run through here: the binding entrypoint (kv-binding.ts, over an RPC stub of the
 * store) and the session the store hands out (KvNamespaceStore.session, on the object itself). `holder` says
 * who is calling, for logs; it never addresses data. Every argument may be anything a Worker's code sent.
 */
export class KvOperations {
	readonly #data: KvData;
	readonly #env: Env;
	readonly #holder: RuntimeBindingProps;

	constructor(data: KvData, env: Env, holder: RuntimeBindingProps) {
		this.#data = data;
		this.#env = env;
		this.#holder = holder;
	}

	getValue(key: string, cacheTtl?: unknown): Promise<Outcome<KvEntry | null>> {
		return this.#run("GET", async () => {
			const name = stringArg(key, "A key");
			checkKey("GET", name);
			checkCacheTtl("GET", cacheTtl);
			return settle(await this.#data.read(name));
		});
	}

	getValues(keys: string[], cacheTtl?: unknown): Promise<Outcome<(KvEntry | null)[]>> {
		return this.#run("GET_BULK", async () => {
			const names = stringsArg(keys, "Keys");
			checkBulk(names);
			for (const name of names) checkKey("GET_BULK", name);
			checkCacheTtl("GET_BULK", cacheTtl);
			return settle(await this.#data.readMany(names));
		});
	}

	putValue(key: string, value: Body, options: KvPutOptions = {}): Promise<Outcome<void>> {
		return this.#run("PUT", async () => {
			const name = stringArg(key, "A key");
			checkKey("PUT", name);
			const body = bodyArg(value, "A KV value", false);
			const expiration = expirationOf(options ?? {}, Math.floor(Date.now() / 1000));
			const metadata = metadataOf(options ?? {});
			const limit = storageLimits(this.#env).kvValueBytes;
			const bytes = await readBytes(body, limit, (length) =>
				kvFailure("PUT", 413, `Value length of ${length} exceeds limit of ${limit}.`, "storage_limit"),
			);
			settle(await this.#data.write(name, exactBuffer(bytes), metadata, expiration));
		});
	}

	deleteValue(key: string): Promise<Outcome<void>> {
		return this.#run("DELETE", async () => {
			const name = stringArg(key, "A key");
			checkKey("DELETE", name);
			settle(await this.#data.remove(name));
		});
	}

	listKeys(options: KvListOptions = {}): Promise<Outcome<KvListPage>> {
		return this.#run("GET", async () => settle(await this.#data.list(listQuery(options ?? {}))));
	}

	#run<T>(op: KvOp, work: () => Promise<T>): Promise<Outcome<T>> {
		const { worker, version, binding, resource } = this.#holder;
		const context = { worker, version, binding, resource, op };
		return outcome(work, `KV ${op} failed: 500 Internal error`, context, true);
	}
}

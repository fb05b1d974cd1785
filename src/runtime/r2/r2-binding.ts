import { WorkerEntrypoint } from "cloudflare:workers";
import { type Outcome, outcome, settle } from "../outcome";
import { exactBuffer, readBytes } from "../read-bytes";
import { r2KeyPrefix, storeName } from "../resource-ids";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { storageLimits } from "../storage-limits";
import { bodyArg, stringArg, stringsArg } from "../wire-checks";
import {
	getOptions,
	listOptions,
	putOptionsWire,
	R2_LIMITS,
	type R2Method,
	r2BindingError,
	r2Deleted,
	r2Failure,
	storedKey,
} from "./r2-rules";
import { listWire, objectWire, type R2ListWire, type R2ObjectWire } from "./r2-wire";

type Options = Record<string, unknown> | undefined;

/**
 * What a managed Worker holds for an `r2_bucket` binding (through the shim's R2Bucket). Its only identity is
 * `ctx.props`; every key it touches is put under its bucket's prefix in shiplog's DATA bucket, and listing is
 * confined to that prefix, so a Worker reaches exactly the buckets its version binds. Reads go straight to R2;
 * writes go through the bucket's R2BucketStore, which keeps the bucket within its storage limit.
 */
export class R2BucketBinding extends WorkerEntrypoint<Env, RuntimeBindingProps> {
	headObject(key: string): Promise<Outcome<R2ObjectWire | null>> {
		return this.#run("head", async () => {
			const object = await this.env.DATA.head(storedKey("head", this.#prefix(), stringArg(key, "A key")));
			if (!object) await this.#refuseIfDeleted("head");
			return object && objectWire(object, this.#prefix());
		});
	}

	getObject(key: string, options?: Options): Promise<Outcome<R2ObjectWire | null>> {
		return this.#run("get", async () => {
			const stored = storedKey("get", this.#prefix(), stringArg(key, "A key"));
			const object = await this.env.DATA.get(stored, getOptions(options));
			if (!object) await this.#refuseIfDeleted("get");
			return object && objectWire(object, this.#prefix());
		});
	}

	putObject(key: string, value: Body, options?: Options): Promise<Outcome<R2ObjectWire | null>> {
		return this.#run("put", async () => {
			const name = stringArg(key, "A key");
			storedKey("put", this.#prefix(), name);
			const body = bodyArg(value ?? null, "An object's value", true);
			const limit = storageLimits(this.env).r2ObjectBytes;
			const bytes = await readBytes(body, limit, () =>
				r2Failure("put", "Your proposed upload exceeds the maximum allowed object size.", 100100, "storage_limit"),
			);
			const store = this.#store();
			return settle(await store.put(this.ctx.props.resource, name, exactBuffer(bytes), putOptionsWire(options)));
		});
	}

	deleteObjects(keys: string[]): Promise<Outcome<void>> {
		return this.#run("delete", async () => {
			const names = stringsArg(keys, "Keys");
			if (names.length > R2_LIMITS.deleteKeys) {
				throw r2Failure("delete", `You can delete at most ${R2_LIMITS.deleteKeys} keys at once.`, 10029);
			}
			for (const name of names) storedKey("delete", this.#prefix(), name);
			if (names.length === 0) return;
			settle(await this.#store().remove(this.ctx.props.resource, names));
		});
	}

	listObjects(options?: Options): Promise<Outcome<R2ListWire>> {
		return this.#run("list", async () => {
			const page = await this.env.DATA.list(listOptions(options, this.#prefix()));
			if (page.objects.length === 0 && page.delimitedPrefixes.length === 0) await this.#refuseIfDeleted("list");
			return listWire(page, this.#prefix());
		});
	}

	/**
	 * A deleted bucket holds nothing, so only a read that found nothing asks the bucket's store whether it was
	 * deleted (one call to the object); reads that find objects cost what they did.
	 */
	async #refuseIfDeleted(method: R2Method): Promise<void> {
		if (await this.#store().deleted()) throw r2Deleted(method);
	}

	#prefix(): string {
		return r2KeyPrefix(this.ctx.props.resource);
	}

	#store() {
		return this.env.R2_BUCKETS.getByName(storeName("r2_bucket", this.ctx.props.resource));
	}

	#run<T>(method: R2Method, work: () => Promise<T>): Promise<Outcome<T>> {
		const { worker, version, binding, resource } = this.ctx.props;
		return outcome(
			async () => {
				try {
					return await work();
				} catch (error) {
					throw r2BindingError(error);
				}
			},
			`${method}: We encountered an internal error. Please try again. (10001)`,
			{ worker, version, binding, resource, method },
			true,
		);
	}
}

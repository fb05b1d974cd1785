import { DurableObject } from "cloudflare:workers";
import { BindingError, type Outcome, outcome } from "../outcome";
import { r2KeyPrefix } from "../resource-ids";
import { applySchema } from "../sqlite-schema";
import { storageLimits } from "../storage-limits";
import { Tombstone } from "../tombstone";
import { KeyQueue } from "./key-queue";
import { putOptions, type R2Method, r2BindingError, r2Deleted, r2Failure } from "./r2-rules";
import { R2_SCHEMA } from "./r2-schema";
import { objectWire, type R2ObjectWire } from "./r2-wire";

export interface R2Usage {
	bytes: number;
	objects: number;
}

/** Objects deleted per destroy() call or alarm: R2 deletes at most 1000 keys a call, and calls are subrequests. */
const DESTROY_PAGES_PER_RUN = 10;

/**
 * The single writer of one R2 bucket (one object per bucket name, named by storeName("r2_bucket", name)).
 * Reads go from R2BucketBinding straight to R2; writes come here so that the ledger of object sizes, and with
 * it the bucket's storage limit, moves with R2: writes to one key are applied in arrival order, and an
 * upload's size counts against the limit from before R2 is asked until after it answered. Once the bucket is
 * deleted, its tombstone refuses writes, and answers the binding's `deleted()` for reads that found nothing,
 * until the bucket is created again.
 */
export class R2BucketStore extends DurableObject<Env> {
	readonly #writes = new KeyQueue();
	readonly #tombstone = new Tombstone(this.ctx.storage);

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		applySchema(ctx.storage, R2_SCHEMA);
	}

	put(bucket: string, key: string, body: ArrayBuffer, options: Record<string, unknown>) {
		return this.#run("put", () =>
			this.#writes.run([key], async (): Promise<R2ObjectWire | null> => {
				if (this.#tombstone.laid) throw r2Deleted("put");
				if (this.#state().destroying !== null) throw r2Failure("put", "The specified bucket does not exist.", 10006);
				const old = this.#size(key);
				const size = body.byteLength;
				const held = this.usage().bytes;
				const limit = storageLimits(this.env).r2BucketBytes;
				// A write that does not grow the bucket is always allowed, so a full bucket can still be trimmed.
				if (held - (old ?? 0) + size > limit && size > (old ?? 0)) {
					throw new BindingError(
						`put: Bucket storage limit of ${limit} bytes reached: the bucket holds ${held} bytes and this object needs ${size - (old ?? 0)} more.`,
						"Error",
						undefined,
						"storage_limit",
					);
				}
				const prefix = r2KeyPrefix(bucket);
				this.#record(key, Math.max(old ?? 0, size));
				let written: R2Object | null = null;
				try {
					written = await this.env.DATA.put(prefix + key, body, putOptions(options));
				} finally {
					// A failed condition or upload leaves the object as it was.
					this.#record(key, written ? size : old);
				}
				return written && objectWire(written, prefix);
			}),
		);
	}

	remove(bucket: string, keys: string[]): Promise<Outcome<void>> {
		return this.#run("delete", () =>
			this.#writes.run(keys, async () => {
				if (this.#tombstone.laid) throw r2Deleted("delete");
				const prefix = r2KeyPrefix(bucket);
				await this.env.DATA.delete(keys.map((key) => prefix + key));
				for (const key of keys) this.#record(key, null);
			}),
		);
	}

	/** Whether the bucket was deleted: asked by the binding when a read found nothing (r2-binding.ts). */
	deleted(): boolean {
		return this.#tombstone.laid;
	}

	usage(): R2Usage {
		const { bytes, objects } = this.#state();
		return { bytes, objects };
	}

	/**
	 * Deletes every object of the bucket: for when the bucket itself is deleted. Writes are refused until it is
	 * done; a bucket too large for one call goes on in alarms, and `done` says which happened. With `tombstone`
	 * (the bucket is deleted, not only emptied), every later call is refused, from now on and after the purge,
	 * until `revive()`.
	 */
	async destroy(bucket: string, tombstone = false): Promise<{ done: boolean }> {
		this.ctx.storage.sql.exec("UPDATE usage SET destroying = ? WHERE id = 1", bucket);
		if (tombstone) this.#tombstone.lay(new Date().toISOString());
		await this.#writes.idle();
		return this.#purge(bucket);
	}

	/**
	 * The bucket is created again: it answers calls again. It is empty: a purge still going on goes on, and
	 * refuses writes until it is done, as after any destroy.
	 */
	revive(): void {
		this.#tombstone.lift();
	}

	override async alarm(): Promise<void> {
		const bucket = this.#state().destroying;
		if (bucket !== null) await this.#purge(bucket);
	}

	async #purge(bucket: string): Promise<{ done: boolean }> {
		const prefix = r2KeyPrefix(bucket);
		for (let page = 0; page < DESTROY_PAGES_PER_RUN; page++) {
			const listed = await this.env.DATA.list({ prefix, limit: 1000 });
			if (listed.objects.length > 0) await this.env.DATA.delete(listed.objects.map((o) => o.key));
			if (!listed.truncated) {
				this.ctx.storage.transactionSync(() => {
					this.ctx.storage.sql.exec("DELETE FROM objects");
					this.ctx.storage.sql.exec("UPDATE usage SET bytes = 0, objects = 0, destroying = NULL WHERE id = 1");
				});
				return { done: true };
			}
		}
		await this.ctx.storage.setAlarm(Date.now());
		return { done: false };
	}

	#state() {
		return this.ctx.storage.sql
			.exec<{ bytes: number; objects: number; destroying: string | null }>(
				"SELECT bytes, objects, destroying FROM usage WHERE id = 1",
			)
			.one();
	}

	#size(key: string): number | null {
		return (
			this.ctx.storage.sql.exec<{ size: number }>("SELECT size FROM objects WHERE key = ?", key).toArray()[0]?.size ??
			null
		);
	}

	/** Sets (or, with null, removes) a key's size in the ledger and the bucket's totals with it. */
	#record(key: string, size: number | null): void {
		const sql = this.ctx.storage.sql;
		const old = this.#size(key);
		if (old === size) return;
		this.ctx.storage.transactionSync(() => {
			if (size === null) sql.exec("DELETE FROM objects WHERE key = ?", key);
			else sql.exec("INSERT OR REPLACE INTO objects (key, size) VALUES (?, ?)", key, size);
			sql.exec(
				"UPDATE usage SET bytes = bytes + ?, objects = objects + ? WHERE id = 1",
				(size ?? 0) - (old ?? 0),
				(size === null ? 0 : 1) - (old === null ? 0 : 1),
			);
		});
	}

	#run<T>(method: R2Method, work: () => Promise<T>): Promise<Outcome<T>> {
		return outcome(
			async () => {
				try {
					return await work();
				} catch (error) {
					throw r2BindingError(error);
				}
			},
			`${method}: We encountered an internal error. Please try again. (10001)`,
			{ store: "r2_bucket", method },
		);
	}
}

import { DurableObject } from "cloudflare:workers";
import { BindingSession } from "../binding-session";
import { type Outcome, outcome } from "../outcome";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { applySchema } from "../sqlite-schema";
import { storageLimits } from "../storage-limits";
import { Tombstone } from "../tombstone";
import { KV_METHODS, KvOperations } from "./kv-operations";
import { cursorFor, type KvListQuery, type KvOp, kvDeleted, kvFailure, prefixEnd } from "./kv-rules";
import { KV_CHUNK_BYTES, KV_SCHEMA } from "./kv-schema";

export interface KvEntry {
	value: ArrayBuffer;
	metadata: unknown;
}

export interface KvListedKey {
	name: string;
	expiration?: number;
	metadata?: unknown;
}

export interface KvListPage {
	keys: KvListedKey[];
	list_complete: boolean;
	cursor?: string;
	cacheStatus: null;
}

export interface KvUsage {
	bytes: number;
	keys: number;
}

type EntryRow = {
	value: ArrayBuffer;
	chunks: number;
	metadata: string | null;
	expiration: number | null;
};

/** Expired entries removed per write, so a write's cost stays bounded however many have lapsed. */
const SWEEP_BATCH = 100;

const nowSeconds = () => Math.floor(Date.now() / 1000);
const utf8Length = (text: string) => new TextEncoder().encode(text).byteLength;

/**
 * One KV namespace (one object per namespace id, named by storeName("kv_namespace", id)). It is reached only
 * through KvNamespaceBinding, or a session it opened here, which check keys, options and value sizes first
 * (kv-operations.ts); this object keeps the data, hides and removes expired entries, lists in key order, and
 * enforces the namespace's storage limit, which only the single writer can check without races. Once the
 * namespace is deleted, its tombstone refuses every call until it is registered again.
 */
export class KvNamespaceStore extends DurableObject<Env> {
	readonly #tombstone: Tombstone;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		applySchema(ctx.storage, KV_SCHEMA);
		this.#tombstone = new Tombstone(ctx.storage);
	}

	read(key: string): Promise<Outcome<KvEntry | null>> {
		return this.#run("GET", () => this.#read(key, nowSeconds()));
	}

	readMany(keys: string[]): Promise<Outcome<(KvEntry | null)[]>> {
		return this.#run("GET_BULK", () => {
			const now = nowSeconds();
			return keys.map((key) => this.#read(key, now));
		});
	}

	write(key: string, value: ArrayBuffer, metadata: string | null, expiration: number | null): Promise<Outcome<void>> {
		return this.#run("PUT", () => this.#write(key, value, metadata, expiration));
	}

	remove(key: string): Promise<Outcome<void>> {
		return this.#run("DELETE", () => {
			const row = this.ctx.storage.sql
				.exec<{ size: number }>("SELECT size FROM entries WHERE key = ?", key)
				.toArray()[0];
			if (row) this.#deleteEntry(key, row.size);
		});
	}

	list(query: KvListQuery): Promise<Outcome<KvListPage>> {
		return this.#run("GET", () => this.#list(query, nowSeconds()));
	}

	/**
	 * A managed Worker request's calls to this namespace, for `holder` (whom KvNamespaceBinding vouches for, from
	 * its props): an RpcTarget living in this object, so the Worker's calls reach it in one hop. It offers only
	 * the binding's own operations, checked as the binding checks them, on this namespace and no other.
	 */
	session(holder: RuntimeBindingProps): BindingSession<KvOperations> {
		return new BindingSession(new KvOperations(this, this.env, holder), KV_METHODS);
	}

	/** Bytes (keys, values and metadata) and keys held, expired entries not yet removed included. */
	usage(): KvUsage {
		return this.ctx.storage.sql.exec<{ bytes: number; keys: number }>("SELECT bytes, keys FROM usage").one();
	}

	/**
	 * Deletes every entry: for when the namespace itself is deleted, and then (`tombstone`) every later call is
	 * refused, as for a namespace that does not exist, until `revive()`.
	 */
	async destroy(tombstone = false): Promise<void> {
		await this.#tombstone.empty(tombstone, KV_SCHEMA);
	}

	/** The namespace is registered again: it answers calls again, empty. */
	revive(): void {
		this.#tombstone.lift();
	}

	#run<T>(op: KvOp, work: () => T): Promise<Outcome<T>> {
		return outcome(
			() => {
				if (this.#tombstone.laid) throw kvDeleted(op);
				return work();
			},
			`KV ${op} failed: 500 Internal error`,
			{ store: "kv_namespace", op },
		);
	}

	#read(key: string, now: number): KvEntry | null {
		const sql = this.ctx.storage.sql;
		const row = sql
			.exec<EntryRow>("SELECT value, chunks, metadata, expiration FROM entries WHERE key = ?", key)
			.toArray()[0];
		if (!row) return null;
		if (row.expiration !== null && row.expiration <= now) {
			this.#deleteEntry(key, null);
			return null;
		}
		const metadata = row.metadata === null ? null : JSON.parse(row.metadata);
		if (row.chunks === 1) return { value: row.value, metadata };
		const rest = sql
			.exec<{ bytes: ArrayBuffer }>("SELECT bytes FROM chunks WHERE key = ? ORDER BY seq", key)
			.toArray()
			.map((r) => r.bytes);
		return { value: concat([row.value, ...rest]), metadata };
	}

	#write(key: string, value: ArrayBuffer, metadata: string | null, expiration: number | null): void {
		const sql = this.ctx.storage.sql;
		this.#sweep(nowSeconds());
		const size = utf8Length(key) + value.byteLength + (metadata === null ? 0 : utf8Length(metadata));
		const old = sql.exec<{ size: number }>("SELECT size FROM entries WHERE key = ?", key).toArray()[0];
		const held = this.usage().bytes;
		const after = held - (old?.size ?? 0) + size;
		const limit = storageLimits(this.env).kvNamespaceBytes;
		// A write that does not grow the namespace is always allowed, so a full namespace can still be trimmed.
		if (after > limit && size > (old?.size ?? 0)) {
			throw kvFailure(
				"PUT",
				413,
				`Namespace storage limit of ${limit} bytes reached: the namespace holds ${held} bytes and this write needs ${size - (old?.size ?? 0)} more.`,
				"storage_limit",
			);
		}
		const chunks = split(value);
		this.ctx.storage.transactionSync(() => {
			if (old) sql.exec("DELETE FROM chunks WHERE key = ?", key);
			sql.exec(
				`INSERT INTO entries (key, value, chunks, size, metadata, expiration) VALUES (?, ?, ?, ?, ?, ?)
				 ON CONFLICT (key) DO UPDATE SET value = excluded.value, chunks = excluded.chunks, size = excluded.size,
				   metadata = excluded.metadata, expiration = excluded.expiration`,
				key,
				chunks[0] ?? new ArrayBuffer(0),
				Math.max(chunks.length, 1),
				size,
				metadata,
				expiration,
			);
			for (let seq = 1; seq < chunks.length; seq++) {
				sql.exec("INSERT INTO chunks (key, seq, bytes) VALUES (?, ?, ?)", key, seq, chunks[seq] as ArrayBuffer);
			}
			sql.exec(
				"UPDATE usage SET bytes = bytes + ?, keys = keys + ? WHERE id = 1",
				size - (old?.size ?? 0),
				old ? 0 : 1,
			);
		});
	}

	#list(query: KvListQuery, now: number): KvListPage {
		const end = prefixEnd(query.prefix);
		const rows = this.ctx.storage.sql
			.exec<{ key: string; metadata: string | null; expiration: number | null }>(
				`SELECT key, metadata, expiration FROM entries
				 WHERE key >= ?1 AND key > ?2 AND (?3 IS NULL OR key < ?3) AND (expiration IS NULL OR expiration > ?4)
				 ORDER BY key LIMIT ?5`,
				query.prefix,
				query.after,
				end,
				now,
				query.limit + 1,
			)
			.toArray();
		const complete = rows.length <= query.limit;
		const keys = rows.slice(0, query.limit).map((row) => {
			const key: KvListedKey = { name: row.key };
			if (row.expiration !== null) key.expiration = row.expiration;
			if (row.metadata !== null) key.metadata = JSON.parse(row.metadata);
			return key;
		});
		const page: KvListPage = { keys, list_complete: complete, cacheStatus: null };
		const last = keys.at(-1);
		if (!complete && last) page.cursor = cursorFor(last.name);
		return page;
	}

	#sweep(now: number): void {
		const expired = this.ctx.storage.sql
			.exec<{ key: string; size: number }>(
				"SELECT key, size FROM entries WHERE expiration <= ? LIMIT ?",
				now,
				SWEEP_BATCH,
			)
			.toArray();
		for (const row of expired) this.#deleteEntry(row.key, row.size);
	}

	#deleteEntry(key: string, knownSize: number | null): void {
		const sql = this.ctx.storage.sql;
		const size =
			knownSize ?? sql.exec<{ size: number }>("SELECT size FROM entries WHERE key = ?", key).toArray()[0]?.size ?? 0;
		this.ctx.storage.transactionSync(() => {
			sql.exec("DELETE FROM entries WHERE key = ?", key);
			sql.exec("DELETE FROM chunks WHERE key = ?", key);
			sql.exec("UPDATE usage SET bytes = bytes - ?, keys = keys - 1 WHERE id = 1", size);
		});
	}
}

function split(value: ArrayBuffer): ArrayBuffer[] {
	if (value.byteLength <= KV_CHUNK_BYTES) return [value];
	const chunks: ArrayBuffer[] = [];
	for (let offset = 0; offset < value.byteLength; offset += KV_CHUNK_BYTES) {
		chunks.push(value.slice(offset, offset + KV_CHUNK_BYTES));
	}
	return chunks;
}

function concat(parts: ArrayBuffer[]): ArrayBuffer {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(new Uint8Array(part), offset);
		offset += part.byteLength;
	}
	return out.buffer;
}

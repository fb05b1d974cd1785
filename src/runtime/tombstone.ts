import { applySchema } from "./sqlite-schema";

/** The key of a deleted resource's tombstone in its store object's own key-value storage (docs/storage-layout.md). */
const TOMBSTONE_KEY = "tombstone";

/**
 * Whether a resource's store holds a deleted resource: laid when the resource is deleted (in the step that
 * empties the store), lifted when the resource is registered again. Read from storage once per object instance
 * and kept in memory, since only this object changes it, so checking it on every call costs nothing.
 */
export class Tombstone {
	readonly #storage: DurableObjectStorage;
	#laid: boolean | undefined;

	constructor(storage: DurableObjectStorage) {
		this.#storage = storage;
	}

	get laid(): boolean {
		this.#laid ??= this.#storage.kv.get(TOMBSTONE_KEY) !== undefined;
		return this.#laid;
	}

	/** Marks the resource deleted, at `at` (an ISO time, kept for whoever reads the object's storage). */
	lay(at: string): void {
		this.#storage.kv.put(TOMBSTONE_KEY, at);
		this.#laid = true;
	}

	lift(): void {
		this.#storage.kv.delete(TOMBSTONE_KEY);
		this.#laid = false;
	}

	/**
	 * Deletes everything the store holds (the tombstone too), sets its empty `schema` up again, and lays the
	 * tombstone when `lay`: with no await after the deletion, so the schema and the tombstone land together.
	 */
	async empty(lay: boolean, schema?: readonly string[]): Promise<void> {
		await this.#storage.deleteAll();
		this.#laid = false;
		if (schema) applySchema(this.#storage, schema);
		if (lay) this.lay(new Date().toISOString());
	}
}

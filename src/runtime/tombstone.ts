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

	/** For a store whose whole storage is being reset: whatever it held, the tombstone is gone with it. */
	forget(): void {
		this.#laid = false;
	}
}

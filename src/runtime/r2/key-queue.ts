/**
 * Runs work one at a time per key, in arrival order; work on other keys runs alongside. A Durable Object's
 * input gate opens while it awaits R2, so without this two writes to one key could finish in either order.
 */
export class KeyQueue {
	/** The last work queued for each key: the next waits for it. */
	readonly #tails = new Map<string, Promise<void>>();

	async run<T>(keys: string[], work: () => Promise<T>): Promise<T> {
		const unique = [...new Set(keys)];
		const before = unique.map((key) => this.#tails.get(key));
		let release = () => {};
		const done = new Promise<void>((resolve) => {
			release = resolve;
		});
		for (const key of unique) this.#tails.set(key, done);
		try {
			await Promise.all(before);
			return await work();
		} finally {
			release();
			for (const key of unique) if (this.#tails.get(key) === done) this.#tails.delete(key);
		}
	}

	/** Settles once everything queued so far has finished. */
	async idle(): Promise<void> {
		await Promise.all([...this.#tails.values()]);
	}
}

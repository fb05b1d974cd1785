/**
 * Runs work one piece at a time, in the order it arrived. A Durable Object's input gate lets another
 * call in at every `await` on D1, R2 or fetch, so this queue, not the gate, is what keeps changes from
 * interleaving.
 */
export class SerialQueue {
	private tail: Promise<unknown> = Promise.resolve();

	run<T>(work: () => Promise<T>): Promise<T> {
		const run = this.tail.then(work, work);
		this.tail = run.catch(() => undefined);
		return run;
	}
}

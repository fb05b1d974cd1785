/** One client operation on a Worker's pointer, as the client saw it. */
export interface OpRecord {
	worker: string;
	kind: "write" | "read";
	/** What the client asked for (deploy, rollback, ...), for reporting. */
	op?: string;
	start: number;
	end: number;
	ok: boolean;
	/** For a successful write: the deployment it created. For a read: the active deployment it saw. */
	number?: number;
	id?: string;
}

/**
 * Checks a history of operations on each Worker's pointer for linearizability, given that every write
 * is numbered by the system: successful writes hold distinct contiguous numbers after `initial`, their
 * number order never contradicts real time, and every read returns a value that was current at some
 * instant within the read (not a value from the future, not one already overwritten before it began).
 */
export function checkHistory(history: OpRecord[], initial: Record<string, number>): string[] {
	const problems: string[] = [];
	const workers = [...new Set(history.map((op) => op.worker))];
	for (const worker of workers) {
		const ops = history.filter((op) => op.worker === worker);
		const writes = ops.filter((op) => op.kind === "write" && op.ok);
		const reads = ops.filter((op) => op.kind === "read" && op.ok);
		const base = initial[worker] ?? 0;
		const numbers = writes.map((w) => w.number ?? -1).sort((a, b) => a - b);
		const expected = writes.map((_, i) => base + i + 1);
		if (JSON.stringify(numbers) !== JSON.stringify(expected)) {
			problems.push(`${worker}: write numbers ${numbers.join(",")} are not ${expected.join(",")}`);
		}
		for (const a of writes) {
			for (const b of writes) {
				if (a.end < b.start && (a.number ?? 0) >= (b.number ?? 0)) {
					problems.push(`${worker}: write #${a.number} finished before write #${b.number} started`);
				}
			}
		}
		const byNumber = new Map(writes.map((w) => [w.number, w]));
		for (const r of reads) {
			const n = r.number ?? 0;
			const source = byNumber.get(n);
			if (n > base && !source) problems.push(`${worker}: a read saw #${n}, which no successful write created`);
			if (source && source.id !== r.id) problems.push(`${worker}: a read saw #${n} with another id`);
			if (source && source.start > r.end) problems.push(`${worker}: a read saw #${n} before its write began`);
			const newer = writes.find((w) => (w.number ?? 0) > n && w.end < r.start);
			if (newer) problems.push(`${worker}: a read that began after #${newer.number} was written saw #${n}`);
		}
		for (const a of reads) {
			for (const b of reads) {
				if (a.end < b.start && (a.number ?? 0) > (b.number ?? 0)) {
					problems.push(`${worker}: reads went backwards from #${a.number} to #${b.number}`);
				}
			}
		}
	}
	return problems;
}

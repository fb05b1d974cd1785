/**
 * A linearizability checker for histories of one or more Workers' active deployment, in the style of
 * Wing & Gong's search with Lowe's just-in-time linearization and memoisation, as Porcupine
 * (github.com/anishathalye/porcupine, checker.go) implements it. It knows nothing of how shiplog numbers
 * its writes: it searches for an order of the operations that respects real time and that the
 * sequential model below accepts, and explains why when there is none.
 *
 * The model, per Worker (the history is partitioned by Worker, since Workers share no state): a register
 * holding the active deployment, plus the count of deployments. A write (deploy, rollback, settings, ...)
 * creates deployment number count + 1 and points the register at it; a read returns the register. That
 * the active deployment is always the latest one, and numbers are handed out in order, is part of the
 * specification (DESIGN.md, consistency rules 1 and 2), so the model checks it too.
 */

/** A deployment as a client saw it; a read through the edge learns the id only. */
export interface Seen {
	id: string;
	number?: number;
}

export interface Operation {
	worker: string;
	kind: "write" | "read";
	/** What the client did ("deploy", "rollback", "edge read", ...), for explanations only. */
	label: string;
	/** When the client sent the request and when it had the answer (ms). */
	call: number;
	/**
	 * null: the outcome is unknown (the request failed in a way that does not say whether it took effect,
	 * or the client stopped waiting). As in Porcupine, such an operation's return is put after everything
	 * else, so it may take effect at any point after its call, or never (last, where nothing observes it).
	 */
	return: number | null;
	/**
	 * A write: the deployment it created (when unknown, any deployment no other write created). A read:
	 * what it saw (undefined: the read failed and constrains nothing).
	 */
	value?: Seen;
}

interface State {
	count: number;
	active: string | null;
	/** Deployments that writes of unknown outcome were taken to have created (each exists once). */
	claimed: string[];
}

/** Above this many search steps per Worker the checker gives up and says so (a failure, not a pass). */
const STEP_BUDGET = 2_000_000;

/** Problems per Worker; an empty list means every Worker's history is linearizable. */
export function checkLinearizable(history: Operation[], initial: Record<string, Seen>): string[] {
	const problems: string[] = [];
	for (const worker of [...new Set(history.map((op) => op.worker))].sort()) {
		const ops = history.filter((op) => op.worker === worker);
		const start = initial[worker];
		const problem = checkWorker(ops, { count: start?.number ?? 0, active: start?.id ?? null, claimed: [] });
		if (problem) problems.push(`${worker}: ${problem}`);
	}
	return problems;
}

/** One node per call and per return, in time order, linked so that a linearized operation can be lifted out. */
interface Entry {
	op: number;
	isCall: boolean;
	time: number;
	prev: Entry | null;
	next: Entry | null;
	/** For a call: its return. */
	match: Entry | null;
}

function entries(ops: Operation[]): Entry {
	const list: Entry[] = [];
	ops.forEach((op, i) => {
		const ret: Entry = {
			op: i,
			isCall: false,
			time: op.return ?? Number.POSITIVE_INFINITY,
			prev: null,
			next: null,
			match: null,
		};
		list.push({ op: i, isCall: true, time: op.call, prev: null, next: null, match: ret }, ret);
	});
	// Calls before returns at the same instant: operations that touch are taken as concurrent, which only
	// ever admits more orders (the clock has millisecond resolution).
	list.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
	const head: Entry = { op: -1, isCall: false, time: Number.NEGATIVE_INFINITY, prev: null, next: null, match: null };
	let last = head;
	for (const e of list) {
		last.next = e;
		e.prev = last;
		last = e;
	}
	return head;
}

function lift(call: Entry): void {
	for (const e of [call, call.match as Entry]) {
		(e.prev as Entry).next = e.next;
		if (e.next) e.next.prev = e.prev;
	}
}

function unlift(call: Entry): void {
	for (const e of [call.match as Entry, call]) {
		(e.prev as Entry).next = e;
		if (e.next) e.next.prev = e;
	}
}

const describeState = (s: State) => (s.active === null ? "none" : `#${s.count} (${s.active})`);

function describeOp(op: Operation, origin = 0): string {
	const when = `[${op.call - origin}–${op.return === null ? "?" : op.return - origin}]`;
	const seen = op.value ? `#${op.value.number ?? "?"} (${op.value.id})` : "an unknown deployment";
	if (op.kind === "read") return `${op.label} ${when} saw ${op.value ? seen : "nothing (failed)"}`;
	return `${op.label} ${when} ${op.return === null ? "may have created" : "created"} ${seen}`;
}

/**
 * The model's step: the states `op` can lead to from `state`, or why it cannot happen there. A write
 * whose deployment is unknown may have created any deployment that reads saw and no other write
 * created, or one nobody saw.
 */
function step(op: Operation, index: number, state: State, orphans: Seen[]): State[] | string {
	if (op.kind === "read") {
		if (!op.value) return [state];
		if (op.value.id !== state.active || (op.value.number !== undefined && op.value.number !== state.count)) {
			return `the active deployment was ${describeState(state)}`;
		}
		return [state];
	}
	const count = state.count + 1;
	if (op.value) {
		if (op.value.number !== undefined && op.value.number !== count) {
			return `the next deployment number was #${count}`;
		}
		return [{ count, active: op.value.id, claimed: state.claimed }];
	}
	return [
		...orphans
			.filter((o) => (o.number === undefined || o.number === count) && !state.claimed.includes(o.id))
			.map((o) => ({ count, active: o.id, claimed: [...state.claimed, o.id].sort() })),
		{ count, active: `unseen deployment of operation ${index}`, claimed: state.claimed },
	];
}

interface Placed {
	call: Entry;
	before: State;
	/** Which of the step's candidate states was taken. */
	choice: number;
}

/** null when linearizable, otherwise an explanation. */
function checkWorker(ops: Operation[], initial: State): string | null {
	const created = new Set(ops.flatMap((op) => (op.kind === "write" && op.value ? [op.value.id] : [])));
	const orphans = [
		...new Map(
			ops.flatMap((op) =>
				op.kind === "read" && op.value && !created.has(op.value.id) ? [[op.value.id, op.value]] : [],
			),
		).values(),
	].filter((seen) => seen.id !== initial.active);
	const head = entries(ops);
	const linearized = new Uint32Array(Math.ceil(ops.length / 32));
	const seen = new Set<string>();
	const key = (state: State) => `${linearized.join(",")}|${state.count}|${state.active}|${state.claimed.join(",")}`;
	const stack: Placed[] = [];
	let state = initial;
	let entry = head.next;
	let choice = 0;
	let steps = 0;
	// For the explanation: the deepest point the search reached, and what it tried there.
	let deepest: Deepest | null = null;
	let rejected: Deepest["rejected"] = [];

	while (head.next) {
		if (++steps > STEP_BUDGET) {
			return `the search gave up after ${STEP_BUDGET} steps over ${ops.length} operations; neither linearizable nor refuted`;
		}
		if (!entry) throw new Error("history checker: ran off the end of the list");
		if (entry.isCall) {
			const op = ops[entry.op] as Operation;
			const next = step(op, entry.op, state, orphans);
			let placed = false;
			if (typeof next === "string") {
				rejected.push({ op: entry.op, reason: next });
			} else {
				const word = entry.op >>> 5;
				const bit = 1 << (entry.op & 31);
				for (let k = choice; k < next.length && !placed; k++) {
					linearized[word] = (linearized[word] as number) | bit;
					const candidate = next[k] as State;
					const id = key(candidate);
					if (seen.has(id)) {
						linearized[word] = (linearized[word] as number) & ~bit;
						continue;
					}
					seen.add(id);
					stack.push({ call: entry, before: state, choice: k });
					state = candidate;
					lift(entry);
					entry = head.next;
					rejected = [];
					placed = true;
				}
			}
			choice = 0;
			if (!placed) entry = entry.next;
			continue;
		}
		// A return: the operation it ends must already have taken effect, and it could not be placed.
		if (!deepest || stack.length > deepest.placed.length) {
			deepest = { placed: stack.map((p) => p.call.op), state, blocked: entry.op, rejected };
		}
		const top = stack.pop();
		if (!top) return explain(ops, initial, deepest);
		const word = top.call.op >>> 5;
		linearized[word] = (linearized[word] as number) & ~(1 << (top.call.op & 31));
		unlift(top.call);
		state = top.before;
		entry = top.call;
		choice = top.choice + 1;
		rejected = [];
	}
	return null;
}

interface Deepest {
	placed: number[];
	state: State;
	/** The operation whose return the search reached without having placed it. */
	blocked: number;
	/** What was tried there, and why the model refused it. */
	rejected: { op: number; reason: string }[];
}

function explain(ops: Operation[], initial: State, deepest: Deepest): string {
	const shown = 6;
	const origin = Math.min(...ops.map((op) => op.call));
	const describe = (i: number) => describeOp(ops[i] as Operation, origin);
	const placed = deepest.placed.map((i) => `  ${describe(i)}`);
	const lines = [
		`not linearizable (${ops.length} operations, starting from ${describeState(initial)}; times in ms from the first call).`,
		deepest.placed.length === 0
			? "No operation can take effect first."
			: `The longest order found places ${placed.length} of them${placed.length > shown ? `; the last ${shown}` : ""}:`,
		...placed.slice(-shown),
		`There the active deployment is ${describeState(deepest.state)}; ${describe(deepest.blocked)} must have taken effect by the time it returned, and no operation that may come next fits:`,
		...(deepest.rejected.length > 0
			? deepest.rejected.map((r) => `  ${describe(r.op)}: ${r.reason}`)
			: ["  (every candidate leads to an order already ruled out)"]),
	];
	return lines.join("\n");
}

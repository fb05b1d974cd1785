import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkLinearizable, type Operation } from "./history-checker";

// Hand-made histories of one Worker "w" whose first deployment, #1 "d1", is active before they start.
const initial = { w: { id: "d1", number: 1 } };

const write = (call: number, ret: number | null, number?: number, label = "deploy"): Operation => ({
	worker: "w",
	kind: "write",
	label,
	call,
	return: ret,
	value: number === undefined ? undefined : { id: `d${number}`, number },
});

const read = (call: number, ret: number, number: number | null, label = "api read"): Operation => ({
	worker: "w",
	kind: "read",
	label,
	call,
	return: ret,
	value: number === null ? undefined : { id: `d${number}`, number },
});

/** A read through the edge learns only the deployment's id. */
const edgeRead = (call: number, ret: number, number: number): Operation => ({
	worker: "w",
	kind: "read",
	label: "edge read",
	call,
	return: ret,
	value: { id: `d${number}` },
});

const check = (history: Operation[]) => checkLinearizable(history, initial);

describe("the linearizability checker accepts", () => {
	it("a sequential history", () => {
		expect(check([read(0, 1, 1), write(2, 3, 2), read(4, 5, 2), write(6, 7, 3), edgeRead(8, 9, 3)])).toEqual([]);
	});

	it("a read overlapping a write that sees either the old or the new deployment", () => {
		expect(check([write(0, 100, 2), read(10, 20, 2), read(30, 40, 2)])).toEqual([]);
		expect(check([write(0, 100, 2), read(10, 20, 1), read(30, 40, 2)])).toEqual([]);
		expect(check([write(0, 100, 2), read(10, 20, 1), edgeRead(30, 40, 1)])).toEqual([]);
	});

	it("overlapping writes numbered in either order, whatever order they started in", () => {
		expect(check([write(0, 50, 3), write(10, 60, 2), read(70, 80, 3)])).toEqual([]);
		expect(check([write(0, 50, 2), write(10, 60, 3), read(70, 80, 3)])).toEqual([]);
	});

	it("operations that only touch in time (the clock has millisecond resolution)", () => {
		expect(check([write(0, 10, 2), read(10, 20, 1)])).toEqual([]);
	});

	it("failed reads anywhere, since they say nothing", () => {
		expect(check([write(0, 10, 2), read(5, 30, null), read(20, 30, 2)])).toEqual([]);
	});

	it("a write of unknown outcome that took effect: a later read saw its deployment, or numbers skip one", () => {
		const unknown: Operation = { ...write(0, null), label: "deploy (timed out)" };
		expect(check([unknown, read(10, 20, 2), write(30, 40, 3)])).toEqual([]);
		expect(check([unknown, edgeRead(10, 20, 2)])).toEqual([]);
		expect(check([unknown, write(30, 40, 3), read(50, 60, 3)])).toEqual([]);
	});

	it("a write of unknown outcome that never took effect", () => {
		expect(check([write(0, null), write(30, 40, 2), read(50, 60, 2)])).toEqual([]);
	});

	it("a write of unknown outcome taking effect long after its call, even after later writes", () => {
		expect(check([write(0, null), write(10, 20, 2), read(30, 40, 2), read(50, 60, 3), edgeRead(70, 80, 3)])).toEqual(
			[],
		);
	});

	it("Workers separately: each one's history is checked on its own", () => {
		const other = (op: Operation): Operation => ({ ...op, worker: "v" });
		const history = [write(0, 10, 2), other(write(0, 10, 2)), read(20, 30, 2), other(read(20, 30, 2))];
		expect(checkLinearizable(history, { ...initial, v: { id: "d1", number: 1 } })).toEqual([]);
	});

	it("any history generated from a sequential run with each operation's interval around its moment", () => {
		// A valid run: operations take effect one after another at increasing moments; each client saw its
		// operation's interval stretch an arbitrary amount around that moment, and some writes timed out.
		const run = fc.array(
			fc.record({
				kind: fc.constantFrom("write", "read", "edge", "lost"),
				before: fc.nat(40),
				after: fc.nat(40),
				gap: fc.nat(3),
			}),
			{ minLength: 1, maxLength: 60 },
		);
		fc.assert(
			fc.property(run, (steps) => {
				let count = 1;
				let at = 0;
				const history: Operation[] = steps.map((s) => {
					at += s.gap;
					const call = Math.max(0, at - s.before);
					const ret = at + s.after;
					if (s.kind === "read") return read(call, ret, count);
					if (s.kind === "edge") return edgeRead(call, ret, count);
					count += 1;
					return s.kind === "lost" ? write(call, null) : write(call, ret, count);
				});
				expect(check(history)).toEqual([]);
			}),
			{ numRuns: 300, seed: 20261130 },
		);
	});
});

describe("the linearizability checker refuses, and says why", () => {
	it("a read that saw write #3 before write #2 began", () => {
		const problems = check([write(0, 100, 3), read(10, 20, 3), write(50, 60, 2)]);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatch(/^w: not linearizable/);
		expect(problems[0]).toContain("No operation can take effect first");
		expect(problems[0]).toContain("api read [10–20] saw #3 (d3): the active deployment was #1 (d1)");
		expect(problems[0]).toContain("deploy [0–100] created #3 (d3): the next deployment number was #2");
	});

	it("the same through the edge, which sees ids only", () => {
		expect(check([write(0, 100, 3), edgeRead(10, 20, 3), write(50, 60, 2)])).toHaveLength(1);
	});

	it("reads that go backwards", () => {
		const problems = check([write(0, 100, 2), read(10, 20, 2), read(30, 40, 1)]);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain("api read [30–40] saw #1 (d1): the active deployment was #2 (d2)");
		expect(check([write(0, 100, 2), edgeRead(10, 20, 2), read(30, 40, 1)])).toHaveLength(1);
		expect(check([write(0, 100, 2), read(10, 20, 2), edgeRead(30, 40, 1)])).toHaveLength(1);
	});

	it("a stale read that began after a write returned", () => {
		const problems = check([write(0, 10, 2), edgeRead(20, 30, 1)]);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toContain("The longest order found places 1 of them");
		expect(problems[0]).toContain("edge read [20–30] saw #? (d1): the active deployment was #2 (d2)");
	});

	it("a read from the future: of a deployment whose write had not begun", () => {
		expect(check([read(0, 10, 2), write(20, 30, 2)])).toHaveLength(1);
	});

	it("a read of a deployment that no write created", () => {
		expect(check([write(0, 10, 2), read(20, 30, 7)])).toHaveLength(1);
	});

	it("writes numbered against real time", () => {
		expect(check([write(0, 1, 3), write(2, 3, 2)])).toHaveLength(1);
	});

	it("a gap in the numbers that writes of unknown outcome cannot fill", () => {
		expect(check([write(10, 20, 4)])).toHaveLength(1);
		expect(check([write(0, null), write(10, 20, 4)])).toHaveLength(1);
		expect(check([write(0, null), write(1, null), write(10, 20, 4)])).toEqual([]);
		// A write of unknown outcome can only take effect after it was sent.
		expect(check([write(10, 20, 3), write(30, null)])).toHaveLength(1);
	});

	it("a deployment nobody created that was seen before the only write that might have created it began", () => {
		expect(check([read(0, 5, 2), write(10, null)])).toHaveLength(1);
	});

	it("one deployment of unknown origin seen on both sides of another: it was created only once", () => {
		const history = [write(0, null), write(0, null), read(10, 20, 2), write(30, 40, 3), read(50, 60, 2)];
		// Numbers aside (an edge read has none), the same id cannot be the active one twice.
		const ids = history.map((op) => (op.kind === "read" && op.value ? { ...op, value: { id: op.value.id } } : op));
		expect(check(ids)).toHaveLength(1);
	});

	it("names only the Worker whose history is wrong", () => {
		const other = (op: Operation): Operation => ({ ...op, worker: "v" });
		const problems = checkLinearizable([write(0, 10, 2), other(write(0, 10, 2)), other(read(20, 30, 1))], {
			...initial,
			v: { id: "d1", number: 1 },
		});
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatch(/^v: /);
	});
});

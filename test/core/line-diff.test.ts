import { describe, expect, it } from "vitest";
import { diffLines, splitLines, unifiedDiff } from "../../src/core/line-diff";

const lines = (n: number, prefix = "line") => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

function apply(edits: NonNullable<ReturnType<typeof diffLines>>) {
	return {
		from: edits.filter((e) => e.op !== "insert").map((e) => e.line),
		to: edits.filter((e) => e.op !== "delete").map((e) => e.line),
	};
}

describe("diffLines", () => {
	it("finds a minimal edit script that turns one text into the other", () => {
		const a = ["a", "b", "c", "a", "b", "b", "a"];
		const b = ["c", "b", "a", "b", "a", "c"];
		const edits = diffLines(a, b);
		expect(edits).not.toBeNull();
		expect(apply(edits ?? [])).toEqual({ from: a, to: b });
		// Myers' classic example: 5 edits is the minimum.
		expect(edits?.filter((e) => e.op !== "equal")).toHaveLength(5);
	});

	it("handles empty sides and identical texts", () => {
		expect(diffLines([], ["x"])).toEqual([{ op: "insert", line: "x" }]);
		expect(diffLines(["x"], [])).toEqual([{ op: "delete", line: "x" }]);
		expect(diffLines(["x"], ["x"])).toEqual([{ op: "equal", line: "x" }]);
	});

	it("gives up (null) rather than burning CPU when too much differs", () => {
		expect(diffLines(lines(50, "a"), lines(50, "b"), 20)).toBeNull();
	});
});

describe("unifiedDiff", () => {
	it("prints hunks with three lines of context and correct ranges", () => {
		const a = lines(20);
		const b = [...a];
		b[1] = "changed 2";
		b.splice(15, 1);
		const text = unifiedDiff(diffLines(a, b) ?? [], "index.js", "index.js");
		expect(text).toBe(
			[
				"--- a/index.js",
				"+++ b/index.js",
				"@@ -1,5 +1,5 @@",
				" line 1",
				"-line 2",
				"+changed 2",
				" line 3",
				" line 4",
				" line 5",
				"@@ -13,7 +13,6 @@",
				" line 13",
				" line 14",
				" line 15",
				"-line 16",
				" line 17",
				" line 18",
				" line 19",
				"",
			].join("\n"),
		);
	});

	it("is empty when nothing changed, and counts from zero for a new file", () => {
		expect(unifiedDiff(diffLines(["a"], ["a"]) ?? [], "x", "x")).toBe("");
		expect(unifiedDiff(diffLines([], splitLines("a\nb\n")) ?? [], "/dev/null", "x")).toBe(
			"--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+a\n+b\n",
		);
	});
});

export type Edit = { op: "equal" | "delete" | "insert"; line: string };

/** Past this many changed lines a diff is more noise than help, and Myers' trace grows as its square. */
export const MAX_EDITS = 2000;

/**
 * The shortest line edit script from `a` to `b` (Myers' O(ND) algorithm), or null when more than
 * `maxEdits` lines differ. Common leading and trailing lines are matched first, which is cheap and
 * covers most real changes.
 */
export function diffLines(a: string[], b: string[], maxEdits = MAX_EDITS): Edit[] | null {
	let start = 0;
	while (start < a.length && start < b.length && a[start] === b[start]) start++;
	let endA = a.length;
	let endB = b.length;
	while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
		endA--;
		endB--;
	}
	const middle = myers(a.slice(start, endA), b.slice(start, endB), maxEdits);
	if (!middle) return null;
	const equal = (line: string): Edit => ({ op: "equal", line });
	return [...a.slice(0, start).map(equal), ...middle, ...a.slice(endA).map(equal)];
}

function myers(a: string[], b: string[], maxEdits: number): Edit[] | null {
	const n = a.length;
	const m = b.length;
	if (n === 0) return b.map((line) => ({ op: "insert", line }));
	if (m === 0) return a.map((line) => ({ op: "delete", line }));
	const limit = Math.min(n + m, maxEdits);
	const offset = limit + 1;
	const v = new Int32Array(2 * limit + 3);
	// trace[d] holds v[-d..d] as it stood before step d, which backtracking needs.
	const trace: Int32Array[] = [];
	for (let d = 0; d <= limit; d++) {
		trace.push(v.slice(offset - d, offset + d + 1));
		for (let k = -d; k <= d; k += 2) {
			const down = v[offset + k + 1] ?? 0;
			const right = v[offset + k - 1] ?? 0;
			let x = k === -d || (k !== d && right < down) ? down : right + 1;
			let y = x - k;
			while (x < n && y < m && a[x] === b[y]) {
				x++;
				y++;
			}
			v[offset + k] = x;
			if (x >= n && y >= m) return backtrack(a, b, trace, n, m);
		}
	}
	return null;
}

function backtrack(a: string[], b: string[], trace: Int32Array[], n: number, m: number): Edit[] {
	const edits: Edit[] = [];
	let x = n;
	let y = m;
	for (let d = trace.length - 1; d >= 0; d--) {
		const row = trace[d] ?? new Int32Array();
		const at = (k: number) => (k < -d || k > d ? 0 : (row[k + d] ?? 0));
		const k = x - y;
		const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
		const prevX = d === 0 ? 0 : at(prevK);
		const prevY = d === 0 ? 0 : prevX - prevK;
		while (x > prevX && y > prevY) {
			edits.push({ op: "equal", line: a[x - 1] ?? "" });
			x--;
			y--;
		}
		if (d > 0) {
			if (x === prevX) edits.push({ op: "insert", line: b[y - 1] ?? "" });
			else edits.push({ op: "delete", line: a[x - 1] ?? "" });
		}
		x = prevX;
		y = prevY;
	}
	return edits.reverse();
}

export function splitLines(text: string): string[] {
	if (text === "") return [];
	const lines = text.split(/\r?\n/);
	if (lines.at(-1) === "") lines.pop();
	return lines;
}

/** A unified diff (`---`/`+++` headers, `@@` hunks, `context` lines around each change); "" when equal. */
export function unifiedDiff(edits: Edit[], fromName: string, toName: string, context = 3): string {
	const changed = edits.map((e, i) => (e.op === "equal" ? -1 : i)).filter((i) => i >= 0);
	if (changed.length === 0) return "";
	// Group changes whose context windows touch into one hunk.
	const hunks: [number, number][] = [];
	for (const i of changed) {
		const last = hunks.at(-1);
		if (last && i - last[1] <= 2 * context) last[1] = i;
		else hunks.push([i, i]);
	}
	// Line numbers before each edit, in the old and the new text.
	const oldAt: number[] = [];
	const newAt: number[] = [];
	let o = 0;
	let nw = 0;
	for (const e of edits) {
		oldAt.push(o);
		newAt.push(nw);
		if (e.op !== "insert") o++;
		if (e.op !== "delete") nw++;
	}
	const label = (side: string, name: string) => (name === "/dev/null" ? name : `${side}/${name}`);
	const out = [`--- ${label("a", fromName)}`, `+++ ${label("b", toName)}`];
	for (const [first, last] of hunks) {
		const from = Math.max(0, first - context);
		const to = Math.min(edits.length - 1, last + context);
		const slice = edits.slice(from, to + 1);
		const oldCount = slice.filter((e) => e.op !== "insert").length;
		const newCount = slice.filter((e) => e.op !== "delete").length;
		const oldStart = (oldAt[from] ?? 0) + (oldCount === 0 ? 0 : 1);
		const newStart = (newAt[from] ?? 0) + (newCount === 0 ? 0 : 1);
		out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
		for (const e of slice) out.push(`${e.op === "equal" ? " " : e.op === "delete" ? "-" : "+"}${e.line}`);
	}
	return `${out.join("\n")}\n`;
}

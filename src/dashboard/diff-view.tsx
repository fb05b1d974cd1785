/** One row of a side-by-side diff: the old line on the left, the new one on the right. */
export interface SplitRow {
	kind: "hunk" | "same" | "change";
	left: string | null;
	right: string | null;
}

/** A unified diff (as the diff service makes it) turned into side-by-side rows: removals paired with additions. */
export function splitRows(unified: string): SplitRow[] {
	const rows: SplitRow[] = [];
	let removed: string[] = [];
	let added: string[] = [];
	const flush = () => {
		for (let i = 0; i < Math.max(removed.length, added.length); i++) {
			rows.push({ kind: "change", left: removed[i] ?? null, right: added[i] ?? null });
		}
		removed = [];
		added = [];
	};
	for (const line of unified.split("\n")) {
		if (line.startsWith("--- ") || line.startsWith("+++ ")) continue;
		if (line.startsWith("@@")) {
			flush();
			rows.push({ kind: "hunk", left: line, right: null });
		} else if (line.startsWith("-")) removed.push(line.slice(1));
		else if (line.startsWith("+")) added.push(line.slice(1));
		else if (line.startsWith(" ")) {
			flush();
			rows.push({ kind: "same", left: line.slice(1), right: line.slice(1) });
		}
	}
	flush();
	return rows;
}

const lineClass = (line: string) =>
	line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "";

export function UnifiedDiff(props: { text: string; label: string }) {
	const lines = props.text.split("\n").filter((l) => !l.startsWith("--- ") && !l.startsWith("+++ ") && l !== "");
	return (
		<table class="diff" aria-label={props.label}>
			<tbody>
				{lines.map((line) => (
					<tr>
						<td class={lineClass(line)}>{line}</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

export function SplitDiff(props: { text: string; label: string }) {
	return (
		<table class="diff" aria-label={props.label}>
			<thead>
				<tr>
					<th scope="col">Before</th>
					<th scope="col">After</th>
				</tr>
			</thead>
			<tbody>
				{splitRows(props.text).map((row) =>
					row.kind === "hunk" ? (
						<tr>
							<td class="hunk" colspan={2}>
								{row.left}
							</td>
						</tr>
					) : (
						<tr>
							<td class={row.kind === "change" && row.left !== null ? "del" : ""}>{row.left ?? ""}</td>
							<td class={row.kind === "change" && row.right !== null ? "add" : ""}>{row.right ?? ""}</td>
						</tr>
					),
				)}
			</tbody>
		</table>
	);
}

/**
 * Splits SQL text into its statements at the semicolons that end them, the way D1's HTTP API runs a `sql`
 * that holds several (`wrangler d1 execute --command`, `--file`, `d1 migrations apply`). Semicolons inside
 * quotes ('…', "…", `…`, […]), comments (-- and /* *\/) and a trigger's BEGIN … END do not end a statement.
 * Statements that are only whitespace and comments are dropped.
 */
export function splitStatements(text: string): string[] {
	const statements: string[] = [];
	let start = 0;
	let i = 0;
	let meaningful = false;
	const push = (end: number) => {
		if (meaningful) statements.push(text.slice(start, end).trim());
		start = end + 1;
		meaningful = false;
	};
	while (i < text.length) {
		const ch = text[i] as string;
		const next = text[i + 1];
		if (ch === "-" && next === "-") {
			const end = text.indexOf("\n", i);
			i = end === -1 ? text.length : end + 1;
			continue;
		}
		if (ch === "/" && next === "*") {
			const end = text.indexOf("*/", i + 2);
			i = end === -1 ? text.length : end + 2;
			continue;
		}
		if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
			const close = ch === "[" ? "]" : ch;
			let j = i + 1;
			for (; j < text.length; j++) {
				if (text[j] !== close) continue;
				// A doubled quote is an escaped quote inside the literal.
				if (close !== "]" && text[j + 1] === close) j++;
				else break;
			}
			meaningful = true;
			i = j + 1;
			continue;
		}
		if (ch === ";") {
			if (!insideTrigger(text.slice(start, i))) push(i);
			i++;
			continue;
		}
		if (!/\s/.test(ch)) meaningful = true;
		i++;
	}
	push(text.length);
	return statements;
}

/** A CREATE TRIGGER statement runs until the END after its BEGIN; semicolons before that are its body's. */
function insideTrigger(statement: string): boolean {
	const code = statement.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"/g, " ");
	if (!/^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(code)) return false;
	if (!/\bBEGIN\b/i.test(code)) return true;
	return !/\bEND\s*$/i.test(code);
}

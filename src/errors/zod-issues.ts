import type { z } from "@hono/zod-openapi";

export interface FieldIssue {
	path: string;
	message: string;
}

/** `bindings[2].name` style paths, so a client can tell exactly which field to change. */
export function issuePath(path: readonly PropertyKey[], root?: string): string {
	let out = root ?? "";
	for (const key of path) {
		out += typeof key === "number" ? `[${key}]` : out ? `.${String(key)}` : String(key);
	}
	return out || "(body)";
}

export function fieldIssues(error: z.ZodError, root?: string): FieldIssue[] {
	return error.issues.map((issue) => ({
		path: issuePath(issue.path, root),
		message: issue.message,
	}));
}

export function summarise(issues: FieldIssue[]): string {
	const shown = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
	const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
	return `Invalid request: ${shown.join("; ")}${more}`;
}

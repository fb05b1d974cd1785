/**
 * How deep and how large a JSON value a user may hand shiplog (bindings, vars, annotations, metadata).
 * Values are stored, compared, copied into every later version and sent across RPC boundaries, so an
 * unbounded one could fail after it was committed; it is refused at the edge of the API instead.
 */
export const MAX_JSON_DEPTH = 32;

export interface JsonBoundsProblem {
	path: string;
	message: string;
}

/** The first place `value` nests deeper than `maxDepth`, found without recursion (so any depth is safe). */
export function jsonDepthProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, root = ""): JsonBoundsProblem | null {
	const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: root }];
	while (stack.length > 0) {
		const item = stack.pop() as { value: unknown; depth: number; path: string };
		if (item.value === null || typeof item.value !== "object") continue;
		if (item.depth >= maxDepth) {
			return {
				path: item.path || "(body)",
				message: `nests deeper than ${maxDepth} levels; flatten it (shiplog accepts at most ${maxDepth} levels of JSON)`,
			};
		}
		const entries = Array.isArray(item.value) ? item.value.entries() : Object.entries(item.value);
		for (const [key, child] of entries) {
			stack.push({ value: child, depth: item.depth + 1, path: item.path ? `${item.path}.${key}` : String(key) });
		}
	}
	return null;
}

/** UTF-8 size of a value's JSON; call only on values whose depth is bounded. */
export const jsonBytes = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value) ?? "").byteLength;

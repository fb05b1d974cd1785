/** How far a cycle search looks: bindings beyond this many Workers are not followed (the hop limit still holds). */
export const MAX_WORKERS_FOLLOWED = 200;

/**
 * A cycle of service bindings through `start` that a new version would close, as the Workers on it
 * (`start` first and last), or null. `targets` are the Workers the new version binds; `targetsOf` gives
 * those an existing Worker's active deployment binds.
 */
export async function findBindingCycle(
	start: string,
	targets: string[],
	targetsOf: (worker: string) => Promise<string[]>,
	limit = MAX_WORKERS_FOLLOWED,
): Promise<string[] | null> {
	const seen = new Set<string>();
	// Depth first, keeping each Worker's path from `start`, so the cycle found can be shown.
	const stack: string[][] = [...new Set(targets)].reverse().map((t) => [start, t]);
	while (stack.length > 0) {
		const path = stack.pop() as string[];
		const at = path.at(-1) as string;
		if (at === start) return path;
		if (seen.has(at)) continue;
		seen.add(at);
		if (seen.size > limit) return null;
		for (const next of [...new Set(await targetsOf(at))].reverse()) stack.push([...path, next]);
	}
	return null;
}

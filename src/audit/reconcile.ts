import { type Finding, identity, inScope, type Observation, type Scope } from "./model";

export interface Reconciled {
	/** Seen now, not open before: open them (and notify). */
	opened: Observation[];
	/** Open before and seen again: stays open, quietly (last seen, message and details refreshed). */
	persisting: { finding: Finding; seen: Observation }[];
	/** Open before, inside what this step examined, and not seen: close them (and notify). */
	closed: Finding[];
}

/**
 * The one rule for a finding's life: opened once, kept while it holds, closed by the first examination that
 * no longer sees it. `open` are the open findings inside `scopes`; a finding outside every scope (a slice
 * this step did not look at) is never closed here.
 */
export function reconcile(open: Finding[], observed: Observation[], scopes: Scope[]): Reconciled {
	for (const o of observed) {
		if (!scopes.some((s) => inScope(o, s))) {
			throw new Error(`observation ${identity(o)} lies outside what the step examined`);
		}
	}
	const seen = new Map(observed.map((o) => [identity(o), o]));
	const before = new Map(open.map((f) => [identity(f), f]));
	const opened = [...seen.values()].filter((o) => !before.has(identity(o)));
	const persisting = [...before.values()].flatMap((finding) => {
		const now = seen.get(identity(finding));
		return now ? [{ finding, seen: now }] : [];
	});
	const closed = [...before.values()].filter(
		(f) => !seen.has(identity(f)) && scopes.some((scope) => inScope(f, scope)),
	);
	return { opened, persisting, closed };
}

import { boundResources } from "../core/bindings";
import type { Deployment, Version } from "../core/model";
import { migrationMark, type RollbackFacts } from "../core/rollback-eligibility";
import { getResources } from "./resources";
import { getMigrationHistory, getVersionsByIds } from "./versions";

/**
 * Reads from D1 what rollbackEligibility needs to judge `targets` against the active deployment. The
 * coordinator calls it inside its queue, so a rollback is judged against the state it commits on; the
 * rollback candidates list calls it too, so both judge by the same facts.
 */
export async function loadRollbackFacts(
	db: D1Database,
	worker: string,
	active: Deployment,
	latest_version_number: number,
	targets: Version[],
	/** What the caller holds already: the active deployment's versions, and any of the Worker's versions. */
	known: { active_versions?: Version[]; versions?: Version[] } = {},
): Promise<RollbackFacts> {
	const active_versions =
		known.active_versions ??
		(await getVersionsByIds(
			db,
			worker,
			active.versions.map((v) => v.version_id),
		));
	const numbers = [...targets, ...active_versions].map((v) => v.number);
	const [history, resources] = await Promise.all([
		numbers.length > 0 ? migrationHistory(db, worker, Math.min(...numbers), Math.max(...numbers), known.versions) : [],
		getResources(
			db,
			targets.flatMap((t) => boundResources(t.bindings)),
		),
	]);
	return {
		latest_version_number,
		active_versions,
		active,
		history: history.map(migrationMark),
		resources,
	};
}

/** Versions `from`..`to` in order: from `held` when it has every one of them, otherwise from D1. */
async function migrationHistory(
	db: D1Database,
	worker: string,
	from: number,
	to: number,
	held: Version[] = [],
): Promise<Pick<Version, "number" | "migration_tag" | "migrations">[]> {
	const byNumber = new Map(held.filter((v) => v.number >= from && v.number <= to).map((v) => [v.number, v]));
	if (byNumber.size === to - from + 1) return [...byNumber.values()].sort((a, b) => a.number - b.number);
	return getMigrationHistory(db, worker, from, to);
}

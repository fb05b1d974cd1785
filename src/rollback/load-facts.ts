import type { Deployment, Version } from "../core/model";
import { boundResources } from "../core/resources";
import { migrationMark, type RollbackFacts } from "../core/rollback-eligibility";
import { getResources } from "../storage/resources";
import { getMigrationHistory, getVersionsByIds } from "../storage/versions";

/**
 * Reads from D1 what rollbackEligibility needs to judge `targets` against the active deployment. The
 * coordinator calls it inside its queue, so a rollback is judged against the state it commits on.
 */
export async function loadRollbackFacts(
	db: D1Database,
	worker: string,
	active: Deployment,
	latest_version_number: number,
	targets: Version[],
	/** The active deployment's versions when the caller has them already (saves a read). */
	known?: Version[],
): Promise<RollbackFacts> {
	const active_versions =
		known ??
		(await getVersionsByIds(
			db,
			worker,
			active.versions.map((v) => v.version_id),
		));
	const numbers = [...targets, ...active_versions].map((v) => v.number);
	const [history, resources] = await Promise.all([
		numbers.length > 0 ? getMigrationHistory(db, worker, Math.min(...numbers), Math.max(...numbers)) : [],
		getResources(
			db,
			targets.flatMap((t) => boundResources(t.bindings)),
		),
	]);
	return {
		latest_version_number,
		active,
		active_versions,
		history: history.map(migrationMark),
		resources,
	};
}

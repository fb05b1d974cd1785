import { prunableVersions, type RetentionRule } from "../core/retention";
import { guardCounters, releaseGuard } from "../storage/workers";
import type { WriterState } from "./commands";

export interface PruneCommand extends RetentionRule {
	worker: string;
	/** When the pruning is asked for (ISO 8601): recorded as pruned_on. */
	at: string;
	/** At most this many versions in one call. */
	limit: number;
}

export interface PruneOutcome {
	pruned: string[];
	/** More versions may be prunable than this call looked at. */
	more: boolean;
}

/**
 * Retention for one Worker, run by its coordinator inside its queue (so no change of the Worker can plan
 * against a version while it goes): reads which versions the rule keeps, then in one guarded D1 batch records
 * the pruned ones in pruned_versions, deletes them (the module_refs trigger releases their bodies for the
 * collector) and deletes secret values that no remaining version of the Worker refers to.
 */
export async function pruneVersions(db: D1Database, state: WriterState, command: PruneCommand): Promise<PruneOutcome> {
	const worker = state.worker;
	const newestPrunable = state.version_count - command.window;
	if (newestPrunable < 1) return { pruned: [], more: false };
	const used = await db
		.prepare(
			`SELECT DISTINCT json_extract(j.value, '$.version_id') AS id FROM deployments d, json_each(d.versions) AS j
			 WHERE d.worker = ?1 AND (d.created_on >= ?2 OR d.id = ?3)`,
		)
		.bind(worker, command.cutoff, state.active_deployment_id)
		.all<{ id: string }>();
	const usedIds = new Set(used.results.map((r) => r.id));
	const { results: candidates } = await db
		.prepare(
			`SELECT id, number, created_on, bindings FROM versions
			 WHERE worker = ?1 AND number <= ?2 AND created_on < ?3 AND id NOT IN (SELECT value FROM json_each(?4))
			 ORDER BY number LIMIT ?5`,
		)
		.bind(worker, newestPrunable, command.cutoff, JSON.stringify([...usedIds]), command.limit)
		.all<{ id: string; number: number; created_on: string; bindings: string }>();
	const ids = prunableVersions(candidates, { latest_version_number: state.version_count, used: usedIds }, command);
	if (ids.length === 0) return { pruned: [], more: false };
	const pruned = JSON.stringify(ids);
	const refs = JSON.stringify(
		candidates
			.filter((c) => ids.includes(c.id))
			.flatMap((c) => (JSON.parse(c.bindings) as { secret_ref?: unknown }[]).map((b) => b.secret_ref))
			.filter((ref): ref is string => typeof ref === "string"),
	);
	await db.batch([
		guardCounters(db, worker, state),
		db
			.prepare(
				`INSERT INTO pruned_versions (id, worker, number, created_on, pruned_on)
				 SELECT id, worker, number, created_on, ?3 FROM versions WHERE worker = ?1 AND id IN (SELECT value FROM json_each(?2))`,
			)
			.bind(worker, pruned, command.at),
		db
			.prepare("DELETE FROM versions WHERE worker = ?1 AND id IN (SELECT value FROM json_each(?2))")
			.bind(worker, pruned),
		db
			.prepare(
				`DELETE FROM secret_values WHERE worker = ?1 AND id IN (SELECT value FROM json_each(?2))
				   AND id NOT IN (SELECT json_extract(b.value, '$.secret_ref') FROM versions v, json_each(v.bindings) AS b
				                  WHERE v.worker = ?1 AND json_extract(b.value, '$.secret_ref') IS NOT NULL)`,
			)
			.bind(worker, refs),
		releaseGuard(db),
	]);
	return { pruned: ids, more: candidates.length === command.limit };
}

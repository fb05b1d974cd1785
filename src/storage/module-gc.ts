/**
 * D1 side of module-body garbage collection (docs/storage-layout.md "Garbage collection"): which versions
 * reference a body (module_refs, kept by triggers), pins that uploads take before relying on a body, and the
 * collector's marks and condemnations (module_gc).
 */

/** A pin protects a body for this long after an upload takes it: far longer than any upload takes to commit. */
export const PIN_TTL_MS = 24 * 60 * 60 * 1000;
/** A condemnation older than this was left by a collector that died mid-sweep; the next sweep finishes it. */
export const STALE_CONDEMNATION_MS = 10 * 60 * 1000;

const list = (values: string[]) => JSON.stringify(values);

/**
 * Pins the bodies an upload is about to store or rely on, in one statement that refuses any body that is
 * condemned (being deleted). True when every body is pinned; false means retry once the deletion is over.
 */
export async function pinBodies(db: D1Database, sha256s: string[], at: string): Promise<boolean> {
	const unique = [...new Set(sha256s)];
	if (unique.length === 0) return true;
	const result = await db
		.prepare(
			`INSERT INTO module_pins (sha256, pinned_on)
			 SELECT j.value, ?2 FROM json_each(?1) AS j
			 WHERE NOT EXISTS (SELECT 1 FROM module_gc g WHERE g.sha256 = j.value AND g.condemned_on IS NOT NULL)
			 ON CONFLICT (sha256) DO UPDATE SET pinned_on = excluded.pinned_on`,
		)
		.bind(list(unique), at)
		.run();
	return result.meta.changes === unique.length;
}

/** Of these bodies, the ones some version references. */
export async function referencedBodies(db: D1Database, sha256s: string[]): Promise<Set<string>> {
	if (sha256s.length === 0) return new Set();
	const { results } = await db
		.prepare("SELECT DISTINCT sha256 FROM module_refs WHERE sha256 IN (SELECT value FROM json_each(?1))")
		.bind(list(sha256s))
		.all<{ sha256: string }>();
	return new Set(results.map((r) => r.sha256));
}

/** Which Workers' versions reference these bodies, and whether an active deployment serves one of them. */
export async function bodyUsers(
	db: D1Database,
	sha256s: string[],
): Promise<{ sha256: string; worker: string; live: number }[]> {
	if (sha256s.length === 0) return [];
	const { results } = await db
		.prepare(
			`SELECT r.sha256, r.worker, max(EXISTS (
			   SELECT 1 FROM workers w JOIN deployments d ON d.id = w.active_deployment_id, json_each(d.versions) AS j
			   WHERE w.name = r.worker AND json_extract(j.value, '$.version_id') = r.version_id)) AS live
			 FROM module_refs r WHERE r.sha256 IN (SELECT value FROM json_each(?1))
			 GROUP BY r.sha256, r.worker ORDER BY r.sha256, r.worker`,
		)
		.bind(list(sha256s))
		.all<{ sha256: string; worker: string; live: number }>();
	return results;
}

export async function countReferencedBodies(db: D1Database): Promise<number> {
	const row = await db.prepare("SELECT count(DISTINCT sha256) AS n FROM module_refs").first<{ n: number }>();
	return row?.n ?? 0;
}

/** Referenced bodies after `cursor` in hash order (the integrity slice walks them). */
export async function referencedBodiesAfter(db: D1Database, cursor: string, limit: number): Promise<string[]> {
	const { results } = await db
		.prepare("SELECT DISTINCT sha256 FROM module_refs WHERE sha256 > ?1 ORDER BY sha256 LIMIT ?2")
		.bind(cursor, limit)
		.all<{ sha256: string }>();
	return results.map((r) => r.sha256);
}

/** Marks: unreferenced bodies get a mark (kept if they had one); referenced ones lose theirs. */
export async function mark(db: D1Database, unreferenced: string[], referenced: string[], at: string): Promise<number> {
	const [marked] = await db.batch([
		db
			.prepare(
				`INSERT INTO module_gc (sha256, unreferenced_since) SELECT value, ?2 FROM json_each(?1) WHERE true
				 ON CONFLICT (sha256) DO NOTHING`,
			)
			.bind(list(unreferenced), at),
		db
			.prepare("DELETE FROM module_gc WHERE condemned_on IS NULL AND sha256 IN (SELECT value FROM json_each(?1))")
			.bind(list(referenced)),
	]);
	return marked?.meta.changes ?? 0;
}

/** Marked bodies unreferenced since `before` or earlier, not yet condemned. */
export async function sweepCandidates(db: D1Database, before: string, limit: number): Promise<string[]> {
	const { results } = await db
		.prepare(
			`SELECT sha256 FROM module_gc WHERE condemned_on IS NULL AND unreferenced_since <= ?1
			 ORDER BY unreferenced_since, sha256 LIMIT ?2`,
		)
		.bind(before, limit)
		.all<{ sha256: string }>();
	return results.map((r) => r.sha256);
}

/**
 * Condemns, in one statement, each candidate that no version references and no live upload has pinned; returns
 * the condemned. From here until `lift`, pinBodies refuses these bodies, so no upload can start relying on one.
 * The ones found referenced lose their mark.
 */
export async function condemn(
	db: D1Database,
	candidates: string[],
	at: string,
	pinnedSince: string,
): Promise<{ condemned: string[]; unmarked: number }> {
	if (candidates.length === 0) return { condemned: [], unmarked: 0 };
	const [condemned, unmarked] = await db.batch<{ sha256: string }>([
		db
			.prepare(
				`UPDATE module_gc SET condemned_on = ?2
				 WHERE condemned_on IS NULL AND sha256 IN (SELECT value FROM json_each(?1))
				   AND NOT EXISTS (SELECT 1 FROM module_refs r WHERE r.sha256 = module_gc.sha256)
				   AND NOT EXISTS (SELECT 1 FROM module_pins p WHERE p.sha256 = module_gc.sha256 AND p.pinned_on > ?3)
				 RETURNING sha256`,
			)
			.bind(list(candidates), at, pinnedSince),
		db
			.prepare(
				`DELETE FROM module_gc WHERE condemned_on IS NULL AND sha256 IN (SELECT value FROM json_each(?1))
				   AND EXISTS (SELECT 1 FROM module_refs r WHERE r.sha256 = module_gc.sha256)`,
			)
			.bind(list(candidates)),
	]);
	return { condemned: (condemned?.results ?? []).map((r) => r.sha256), unmarked: unmarked?.meta.changes ?? 0 };
}

/** Condemnations older than `before`: a collector died between condemning and lifting them. */
export async function staleCondemnations(db: D1Database, before: string, limit: number): Promise<string[]> {
	const { results } = await db
		.prepare("SELECT sha256 FROM module_gc WHERE condemned_on IS NOT NULL AND condemned_on < ?1 LIMIT ?2")
		.bind(before, limit)
		.all<{ sha256: string }>();
	return results.map((r) => r.sha256);
}

/** After the bodies are gone from R2: uploads may pin (and store) them again. */
export async function lift(db: D1Database, sha256s: string[]): Promise<void> {
	if (sha256s.length === 0) return;
	await db
		.prepare("DELETE FROM module_gc WHERE condemned_on IS NOT NULL AND sha256 IN (SELECT value FROM json_each(?1))")
		.bind(list(sha256s))
		.run();
}

export async function purgePins(db: D1Database, before: string): Promise<number> {
	const result = await db.prepare("DELETE FROM module_pins WHERE pinned_on <= ?1").bind(before).run();
	return result.meta.changes ?? 0;
}

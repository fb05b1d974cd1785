/** What retention left of a version: its id, number and when it was pruned (migrations/0072). */
export interface PrunedVersion {
	id: string;
	worker: string;
	number: number;
	created_on: string;
	pruned_on: string;
}

export async function getPrunedVersion(db: D1Database, worker: string, id: string): Promise<PrunedVersion | null> {
	return db
		.prepare("SELECT * FROM pruned_versions WHERE worker = ?1 AND id = ?2")
		.bind(worker, id)
		.first<PrunedVersion>();
}

export async function prunedVersionIds(db: D1Database, worker: string, ids: string[]): Promise<Set<string>> {
	if (ids.length === 0) return new Set();
	const { results } = await db
		.prepare("SELECT id FROM pruned_versions WHERE worker = ?1 AND id IN (SELECT value FROM json_each(?2))")
		.bind(worker, JSON.stringify(ids))
		.all<{ id: string }>();
	return new Set(results.map((r) => r.id));
}

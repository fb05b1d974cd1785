import type { ResourceType } from "../core/bindings";
import type { Author } from "../core/model";

export interface ResourceRecord {
	type: ResourceType;
	id: string;
	created_on: string;
	registered_by: string;
	/** Who registered it (the author of the version that first bound it, or who registered it through the API). */
	author: Author | null;
	deleted_on: string | null;
	deleted_by: Author | null;
}

interface ResourceRow {
	type: ResourceType;
	id: string;
	created_on: string;
	registered_by: string;
	author_id: string | null;
	author_email: string | null;
	deleted_on: string | null;
	deleted_by_id: string | null;
	deleted_by_email: string | null;
}

const person = (id: string | null, email: string | null): Author | null =>
	id === null ? null : { id, email: email ?? "" };

const toRecord = (row: ResourceRow): ResourceRecord => ({
	type: row.type,
	id: row.id,
	created_on: row.created_on,
	registered_by: row.registered_by,
	author: person(row.author_id, row.author_email),
	deleted_on: row.deleted_on,
	deleted_by: person(row.deleted_by_id, row.deleted_by_email),
});

export const resourceKey = (r: { type: ResourceType; id: string }) => `${r.type}:${r.id}`;

export async function getResource(db: D1Database, type: ResourceType, id: string): Promise<ResourceRecord | null> {
	const row = await db
		.prepare("SELECT * FROM resources WHERE type = ?1 AND id = ?2")
		.bind(type, id)
		.first<ResourceRow>();
	return row ? toRecord(row) : null;
}

/** The lookup of `count` (type, id) pairs; exported so that a test can check its query plan. */
export function resourcesByKeySql(count: number): string {
	const pairs = Array.from({ length: count }, (_, j) => `(?${2 * j + 1}, ?${2 * j + 2})`).join(", ");
	return `SELECT * FROM resources WHERE (type, id) IN (VALUES ${pairs})`;
}

/** The registry rows for these resources, keyed by `type:id`; unknown resources are simply absent. */
export async function getResources(
	db: D1Database,
	wanted: { type: ResourceType; id: string }[],
): Promise<Map<string, ResourceRecord>> {
	const out = new Map<string, ResourceRecord>();
	if (wanted.length === 0) return out;
	const unique = [...new Map(wanted.map((r) => [resourceKey(r), r])).values()];
	// Row values keep the lookup on the (type, id) primary key; 50 pairs a query stay under D1's parameter limit.
	for (let i = 0; i < unique.length; i += 50) {
		const chunk = unique.slice(i, i + 50);
		const { results } = await db
			.prepare(resourcesByKeySql(chunk.length))
			.bind(...chunk.flatMap((r) => [r.type, r.id]))
			.all<ResourceRow>();
		for (const row of results) out.set(resourceKey(row), toRecord(row));
	}
	return out;
}

export async function listResources(
	db: D1Database,
	filter: { type?: ResourceType; include_deleted: boolean },
): Promise<ResourceRecord[]> {
	const { results } = await db
		.prepare(
			`SELECT * FROM resources WHERE (?1 IS NULL OR type = ?1) AND (?2 = 1 OR deleted_on IS NULL)
			 ORDER BY type, id LIMIT 1000`,
		)
		.bind(filter.type ?? null, filter.include_deleted ? 1 : 0)
		.all<ResourceRow>();
	return results.map(toRecord);
}

const GUARD_CHUNK = 40;

/**
 * Statements for a write batch that abort it (NOT NULL on resource_guard.ok) if any of `wanted` is
 * deleted when the batch runs, so a deletion between planning and committing is never missed. The last
 * statement empties the guard again.
 */
export function guardResources(db: D1Database, wanted: { type: ResourceType; id: string }[]): D1PreparedStatement[] {
	const unique = [...new Map(wanted.map((r) => [resourceKey(r), r])).values()];
	if (unique.length === 0) return [];
	const statements: D1PreparedStatement[] = [];
	for (let i = 0; i < unique.length; i += GUARD_CHUNK) {
		const chunk = unique.slice(i, i + GUARD_CHUNK);
		const pairs = chunk.map((_, j) => `(?${2 * j + 1}, ?${2 * j + 2})`).join(", ");
		statements.push(
			db
				.prepare(
					`INSERT INTO resource_guard (ok) SELECT CASE WHEN EXISTS (
					   SELECT 1 FROM resources WHERE deleted_on IS NOT NULL AND (type, id) IN (VALUES ${pairs})
					 ) THEN NULL ELSE 1 END`,
				)
				.bind(...chunk.flatMap((r) => [r.type, r.id])),
		);
	}
	statements.push(db.prepare("DELETE FROM resource_guard"));
	return statements;
}

/** First use registers a resource; a row that exists (deleted or not) is left as it is. */
export function registerOnFirstUse(
	db: D1Database,
	r: { type: ResourceType; id: string },
	by: string,
	author: Author,
	now: string,
): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO resources (type, id, created_on, registered_by, author_id, author_email) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
			 ON CONFLICT (type, id) DO NOTHING`,
		)
		.bind(r.type, r.id, now, by, author.id, author.email);
}

/** Registers a resource, or brings a deleted one back (it exists again, e.g. a bucket recreated by name). */
export async function registerResource(
	db: D1Database,
	r: { type: ResourceType; id: string },
	author: Author,
	now: string,
): Promise<{ record: ResourceRecord; created: boolean; revived: boolean }> {
	const before = await getResource(db, r.type, r.id);
	await db
		.prepare(
			`INSERT INTO resources (type, id, created_on, registered_by, author_id, author_email) VALUES (?1, ?2, ?3, 'api', ?4, ?5)
			 ON CONFLICT (type, id) DO UPDATE SET deleted_on = NULL, deleted_by_id = NULL, deleted_by_email = NULL`,
		)
		.bind(r.type, r.id, now, author.id, author.email)
		.run();
	const record = await getResource(db, r.type, r.id);
	if (!record) throw new Error(`resource ${resourceKey(r)} vanished after registration`);
	return { record, created: before === null, revived: before?.deleted_on != null };
}

/** Marks a live resource deleted; `deleted` says whether this call did it (false: already deleted, or unknown). */
export async function markResourceDeleted(
	db: D1Database,
	r: { type: ResourceType; id: string },
	by: Author,
	now: string,
): Promise<{ record: ResourceRecord | null; deleted: boolean }> {
	const result = await db
		.prepare(
			`UPDATE resources SET deleted_on = ?3, deleted_by_id = ?4, deleted_by_email = ?5
			 WHERE type = ?1 AND id = ?2 AND deleted_on IS NULL`,
		)
		.bind(r.type, r.id, now, by.id, by.email)
		.run();
	return { record: await getResource(db, r.type, r.id), deleted: (result.meta.changes ?? 0) > 0 };
}

import type { ResourceType } from "../core/bindings";
import type { Author } from "../core/model";

export interface ResourceRecord {
	type: ResourceType;
	/** What bindings name: the namespace id, the bucket name, the queue name, the database id. */
	id: string;
	/** A KV namespace's title, a D1 database's name, a bucket's or queue's name; null when only a binding named it. */
	name: string | null;
	/** The id in Cloudflare's API paths: the queue_id of a queue, else the same as `id`. */
	api_id: string;
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
	name: string | null;
	api_id: string;
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
	name: row.name,
	api_id: row.api_id,
	created_on: row.created_on,
	registered_by: row.registered_by,
	author: person(row.author_id, row.author_email),
	deleted_on: row.deleted_on,
	deleted_by: person(row.deleted_by_id, row.deleted_by_email),
});

/** SQL for a new row's name and api_id from ?1 (type) and ?2 (id): buckets and queues are named by their id. */
const NAME_OF_ID = "CASE WHEN ?1 IN ('r2_bucket', 'queue') THEN ?2 END";
const API_ID_OF_ID = "CASE WHEN ?1 = 'queue' THEN lower(hex(randomblob(16))) ELSE ?2 END";

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
			`INSERT INTO resources (type, id, created_on, registered_by, author_id, author_email, name, api_id)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ${NAME_OF_ID}, ${API_ID_OF_ID})
			 ON CONFLICT DO NOTHING`,
		)
		.bind(r.type, r.id, now, by, author.id, author.email);
}

/**
 * Registers a resource, or brings a deleted one back (it exists again, e.g. a bucket recreated by name).
 * `name` is a KV title or D1 name (buckets and queues are named by their id); a live resource of the type
 * that already has that name makes this throw (the unique index on live names).
 */
export async function registerResource(
	db: D1Database,
	r: { type: ResourceType; id: string; name?: string | null },
	author: Author,
	now: string,
): Promise<{ record: ResourceRecord; created: boolean; revived: boolean }> {
	const before = await getResource(db, r.type, r.id);
	await db
		.prepare(
			`INSERT INTO resources (type, id, created_on, registered_by, author_id, author_email, name, api_id)
			 VALUES (?1, ?2, ?3, 'api', ?4, ?5, coalesce(?6, ${NAME_OF_ID}), ${API_ID_OF_ID})
			 ON CONFLICT (type, id) DO UPDATE SET deleted_on = NULL, deleted_by_id = NULL, deleted_by_email = NULL,
			   name = coalesce(?6, resources.name)`,
		)
		.bind(r.type, r.id, now, author.id, author.email, r.name ?? null)
		.run();
	const record = await getResource(db, r.type, r.id);
	if (!record) throw new Error(`resource ${resourceKey(r)} vanished after registration`);
	return { record, created: before === null, revived: before?.deleted_on != null };
}

/**
 * Marks a live resource deleted; `deleted` says whether this call did it (false: already deleted, unknown, or
 * bound by an active deployment while `force` is false). The check and the write are one statement, so a
 * deployment that commits in between either lands first (and this refuses) or meets the resource guard.
 */
export async function markResourceDeleted(
	db: D1Database,
	r: { type: ResourceType; id: string },
	by: Author,
	now: string,
	force = true,
): Promise<{ record: ResourceRecord | null; deleted: boolean }> {
	const result = await db
		.prepare(
			`UPDATE resources SET deleted_on = ?3, deleted_by_id = ?4, deleted_by_email = ?5
			 WHERE type = ?1 AND id = ?2 AND deleted_on IS NULL
			   AND (?6 = 1 OR NOT EXISTS (${ACTIVE_BINDERS_SQL}))`,
		)
		.bind(r.type, r.id, now, by.id, by.email, force ? 1 : 0)
		.run();
	return { record: await getResource(db, r.type, r.id), deleted: (result.meta.changes ?? 0) > 0 };
}

/**
 * Which resources active deployments (either version of a split) bind, for resources of type ?1 (and id ?2).
 * It reads every Worker's active deployment: deleting a resource is rare, and no index can go stale this way.
 */
const BOUND_ID_SQL = `(CASE ?1 WHEN 'kv_namespace' THEN json_extract(b.value, '$.namespace_id')
	               WHEN 'r2_bucket' THEN json_extract(b.value, '$.bucket_name')
	               WHEN 'queue' THEN json_extract(b.value, '$.queue_name')
	               ELSE coalesce(json_extract(b.value, '$.database_id'), json_extract(b.value, '$.id')) END)`;

const ACTIVE_BINDINGS_SQL = `SELECT ${BOUND_ID_SQL} AS id, w.name AS worker FROM workers w
	JOIN deployments d ON d.id = w.active_deployment_id
	JOIN json_each(d.versions) dv
	JOIN versions v ON v.id = json_extract(dv.value, '$.version_id')
	JOIN json_each(v.bindings) b
	WHERE json_extract(b.value, '$.type') = ?1`;

const ACTIVE_BINDERS_SQL = `${ACTIVE_BINDINGS_SQL} AND ${BOUND_ID_SQL} = ?2`;

/** For every resource of a type that an active deployment binds: the Workers that bind it, by name. */
export async function activeBindersOfType(db: D1Database, type: ResourceType): Promise<Map<string, string[]>> {
	const { results } = await db
		.prepare(`SELECT DISTINCT id, worker FROM (${ACTIVE_BINDINGS_SQL}) ORDER BY worker`)
		.bind(type)
		.all<{ id: string; worker: string }>();
	const out = new Map<string, string[]>();
	for (const row of results) out.set(row.id, [...(out.get(row.id) ?? []), row.worker]);
	return out;
}

/** The Workers whose active deployment binds this resource, by name. */
export async function activeBinders(db: D1Database, r: { type: ResourceType; id: string }): Promise<string[]> {
	const { results } = await db
		.prepare(`SELECT DISTINCT worker FROM (${ACTIVE_BINDERS_SQL}) ORDER BY worker LIMIT 100`)
		.bind(r.type, r.id)
		.all<{ worker: string }>();
	return results.map((row) => row.worker);
}

/** A resource by the id Cloudflare's API paths use (the queue_id of a queue). */
export async function getResourceByApiId(
	db: D1Database,
	type: ResourceType,
	apiId: string,
): Promise<ResourceRecord | null> {
	const row = await db
		.prepare("SELECT * FROM resources WHERE type = ?1 AND api_id = ?2")
		.bind(type, apiId)
		.first<ResourceRow>();
	return row ? toRecord(row) : null;
}

/** The live resource of a type with this name (a KV title, a D1 name, a bucket or queue name). */
export async function getLiveResourceByName(
	db: D1Database,
	type: ResourceType,
	name: string,
): Promise<ResourceRecord | null> {
	const row = await db
		.prepare("SELECT * FROM resources WHERE type = ?1 AND name = ?2 AND deleted_on IS NULL")
		.bind(type, name)
		.first<ResourceRow>();
	return row ? toRecord(row) : null;
}

/** One page of live resources of a type, by name then id (how wrangler's paged lists walk them). */
export async function pageResources(
	db: D1Database,
	query: { type: ResourceType; name?: string; page: number; per_page: number; descending?: boolean },
): Promise<ResourceRecord[]> {
	const order = query.descending ? "DESC" : "ASC";
	const { results } = await db
		.prepare(
			`SELECT * FROM resources WHERE type = ?1 AND deleted_on IS NULL AND (?2 IS NULL OR name = ?2)
			 ORDER BY coalesce(name, id) ${order}, id ${order} LIMIT ?3 OFFSET ?4`,
		)
		.bind(query.type, query.name ?? null, query.per_page, (query.page - 1) * query.per_page)
		.all<ResourceRow>();
	return results.map(toRecord);
}

export async function countResources(db: D1Database, type: ResourceType): Promise<number> {
	const row = await db
		.prepare("SELECT count(*) AS n FROM resources WHERE type = ?1 AND deleted_on IS NULL")
		.bind(type)
		.first<{ n: number }>();
	return row?.n ?? 0;
}

import type { Source, TriggeredBy, Version } from "../core/model";
import { parseColumn } from "./json-column";
import { type Page, toPage } from "./pagination";

export interface VersionRow {
	id: string;
	worker: string;
	number: number;
	created_on: string;
	author_id: string;
	author_email: string;
	source: string;
	message: string | null;
	tag: string | null;
	triggered_by: string;
	main_module: string;
	modules: string;
	bindings: string;
	compatibility_date: string | null;
	compatibility_flags: string;
	usage_model: string;
	migration_tag: string | null;
	migrations: string | null;
}

export function toVersion(row: VersionRow): Version {
	return {
		id: row.id,
		worker: row.worker,
		number: row.number,
		created_on: row.created_on,
		author: { id: row.author_id, email: row.author_email },
		source: row.source as Source,
		message: row.message,
		tag: row.tag,
		triggered_by: row.triggered_by as TriggeredBy,
		main_module: row.main_module,
		modules: parseColumn(row.modules, "versions.modules"),
		bindings: parseColumn(row.bindings, "versions.bindings"),
		compatibility_date: row.compatibility_date,
		compatibility_flags: parseColumn(row.compatibility_flags, "versions.compatibility_flags"),
		usage_model: row.usage_model,
		migration_tag: row.migration_tag,
		migrations: row.migrations === null ? null : parseColumn(row.migrations, "versions.migrations"),
	};
}

export function insertVersion(db: D1Database, v: Version): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO versions (id, worker, number, created_on, author_id, author_email, source, message, tag,
			   triggered_by, main_module, modules, bindings, compatibility_date, compatibility_flags, usage_model,
			   migration_tag, migrations)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)`,
		)
		.bind(
			v.id,
			v.worker,
			v.number,
			v.created_on,
			v.author.id,
			v.author.email,
			v.source,
			v.message,
			v.tag,
			v.triggered_by,
			v.main_module,
			JSON.stringify(v.modules),
			JSON.stringify(v.bindings),
			v.compatibility_date,
			JSON.stringify(v.compatibility_flags),
			v.usage_model,
			v.migration_tag,
			v.migrations === null ? null : JSON.stringify(v.migrations),
		);
}

export async function getVersion(db: D1Database, worker: string, id: string): Promise<Version | null> {
	const row = await db
		.prepare("SELECT * FROM versions WHERE worker = ?1 AND id = ?2")
		.bind(worker, id)
		.first<VersionRow>();
	return row ? toVersion(row) : null;
}

export async function getVersionsByIds(db: D1Database, worker: string, ids: string[]): Promise<Version[]> {
	if (ids.length === 0) return [];
	const placeholders = ids.map((_, i) => `?${i + 2}`).join(", ");
	const { results } = await db
		.prepare(`SELECT * FROM versions WHERE worker = ?1 AND id IN (${placeholders})`)
		.bind(worker, ...ids)
		.all<VersionRow>();
	return results.map(toVersion);
}

export async function getLatestVersion(db: D1Database, worker: string): Promise<Version | null> {
	const row = await db
		.prepare("SELECT * FROM versions WHERE worker = ?1 ORDER BY number DESC LIMIT 1")
		.bind(worker)
		.first<VersionRow>();
	return row ? toVersion(row) : null;
}

/** Newest first; `before` is a version number from a cursor. */
export async function listVersions(
	db: D1Database,
	worker: string,
	limit: number,
	before?: number,
): Promise<Page<Version>> {
	const { results } = await db
		.prepare("SELECT * FROM versions WHERE worker = ?1 AND number < ?2 ORDER BY number DESC LIMIT ?3")
		.bind(worker, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
		.all<VersionRow>();
	return toPage(results.map(toVersion), limit);
}

/** Migration tags and carried migrations of versions numbered `from`..`to`, for rollback checks. */
export async function getMigrationHistory(
	db: D1Database,
	worker: string,
	from: number,
	to: number,
): Promise<Pick<Version, "number" | "migration_tag" | "migrations">[]> {
	const { results } = await db
		.prepare(
			"SELECT number, migration_tag, migrations FROM versions WHERE worker = ?1 AND number >= ?2 AND number <= ?3 ORDER BY number",
		)
		.bind(worker, from, to)
		.all<Pick<VersionRow, "number" | "migration_tag" | "migrations">>();
	return results.map((row) => ({
		number: row.number,
		migration_tag: row.migration_tag,
		migrations: row.migrations === null ? null : parseColumn(row.migrations, "versions.migrations"),
	}));
}

/** The latest `count` versions, newest first (the rollback window). */
export async function getLatestVersions(db: D1Database, worker: string, count: number): Promise<Version[]> {
	const { results } = await db
		.prepare("SELECT * FROM versions WHERE worker = ?1 ORDER BY number DESC LIMIT ?2")
		.bind(worker, count)
		.all<VersionRow>();
	return results.map(toVersion);
}

/** A version by its number (what people type in Slack: `v12`). */
export async function getVersionByNumber(db: D1Database, worker: string, number: number): Promise<Version | null> {
	const row = await db
		.prepare("SELECT * FROM versions WHERE worker = ?1 AND number = ?2")
		.bind(worker, number)
		.first<VersionRow>();
	return row ? toVersion(row) : null;
}

/** An API token as stored: never the token itself, only its hash and a prefix to recognise it by. */
export interface TokenRecord {
	id: string;
	prefix: string;
	principal: string;
	email: string;
	description: string | null;
	scopes: string[];
	created_on: string;
	created_by: string;
	expires_on: string | null;
	revoked_on: string | null;
	revoked_by: string | null;
	last_used_on: string | null;
}

interface TokenRow extends Omit<TokenRecord, "scopes"> {
	scopes: string;
}

const COLUMNS =
	"id, prefix, principal, email, description, scopes, created_on, created_by, expires_on, revoked_on, revoked_by, last_used_on";

const toRecord = (row: TokenRow): TokenRecord => ({ ...row, scopes: JSON.parse(row.scopes) as string[] });

export async function insertToken(db: D1Database, record: TokenRecord & { hash: string }): Promise<void> {
	await db
		.prepare(
			`INSERT INTO api_tokens (id, hash, prefix, principal, email, description, scopes, created_on, created_by, expires_on)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
		)
		.bind(
			record.id,
			record.hash,
			record.prefix,
			record.principal,
			record.email,
			record.description,
			JSON.stringify(record.scopes),
			record.created_on,
			record.created_by,
			record.expires_on,
		)
		.run();
}

/** A primary-key-like lookup on the unique hash: the whole token decides, whichever part of it is wrong. */
export async function findTokenByHash(db: D1Database, hash: string): Promise<TokenRecord | null> {
	const row = await db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE hash = ?1`).bind(hash).first<TokenRow>();
	return row ? toRecord(row) : null;
}

export async function getToken(db: D1Database, id: string): Promise<TokenRecord | null> {
	const row = await db.prepare(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?1`).bind(id).first<TokenRow>();
	return row ? toRecord(row) : null;
}

export async function listTokens(
	db: D1Database,
	filter: { principal?: string; include_revoked: boolean },
): Promise<TokenRecord[]> {
	const { results } = await db
		.prepare(
			`SELECT ${COLUMNS} FROM api_tokens WHERE (?1 IS NULL OR principal = ?1) AND (?2 = 1 OR revoked_on IS NULL)
			 ORDER BY created_on DESC, id DESC LIMIT 1000`,
		)
		.bind(filter.principal ?? null, filter.include_revoked ? 1 : 0)
		.all<TokenRow>();
	return results.map(toRecord);
}

/** Revokes a live token; returns the record afterwards (null: no such token). A revoked one stays as it was. */
export async function revokeToken(db: D1Database, id: string, by: string, now: string): Promise<TokenRecord | null> {
	await db
		.prepare("UPDATE api_tokens SET revoked_on = ?2, revoked_by = ?3 WHERE id = ?1 AND revoked_on IS NULL")
		.bind(id, now, by)
		.run();
	return getToken(db, id);
}

/** Records use at most once per `minIntervalMs`: the condition makes a second isolate's write a no-op. */
export async function touchToken(db: D1Database, id: string, now: Date, minIntervalMs: number): Promise<void> {
	const before = new Date(now.getTime() - minIntervalMs).toISOString();
	await db
		.prepare("UPDATE api_tokens SET last_used_on = ?2 WHERE id = ?1 AND (last_used_on IS NULL OR last_used_on <= ?3)")
		.bind(id, now.toISOString(), before)
		.run();
}

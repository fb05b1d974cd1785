/** A Slack user mapped to a shiplog principal (chatops_slack_users). */
export interface SlackUserRecord {
	id: string;
	team_id: string;
	user_id: string;
	principal: string;
	email: string;
	scopes: string[];
	created_on: string;
	created_by: string;
	via: "admin" | "link";
}

interface SlackUserRow extends Omit<SlackUserRecord, "scopes"> {
	scopes: string;
}

const USER_COLUMNS = "id, team_id, user_id, principal, email, scopes, created_on, created_by, via";
const toUser = (row: SlackUserRow): SlackUserRecord => ({ ...row, scopes: JSON.parse(row.scopes) as string[] });

/** Inserts a mapping; false when that Slack user is already mapped (the UNIQUE (team_id, user_id)). */
export async function insertSlackUser(db: D1Database, record: SlackUserRecord): Promise<boolean> {
	const result = await db
		.prepare(
			`INSERT INTO chatops_slack_users (${USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
			 ON CONFLICT (team_id, user_id) DO NOTHING`,
		)
		.bind(
			record.id,
			record.team_id,
			record.user_id,
			record.principal,
			record.email,
			JSON.stringify(record.scopes),
			record.created_on,
			record.created_by,
			record.via,
		)
		.run();
	return (result.meta.changes ?? 0) > 0;
}

export async function findSlackUser(db: D1Database, team_id: string, user_id: string): Promise<SlackUserRecord | null> {
	const row = await db
		.prepare(`SELECT ${USER_COLUMNS} FROM chatops_slack_users WHERE team_id = ?1 AND user_id = ?2`)
		.bind(team_id, user_id)
		.first<SlackUserRow>();
	return row ? toUser(row) : null;
}

export async function getSlackUser(db: D1Database, id: string): Promise<SlackUserRecord | null> {
	const row = await db
		.prepare(`SELECT ${USER_COLUMNS} FROM chatops_slack_users WHERE id = ?1`)
		.bind(id)
		.first<SlackUserRow>();
	return row ? toUser(row) : null;
}

export async function listSlackUsers(
	db: D1Database,
	filter: { team_id?: string; principal?: string },
): Promise<SlackUserRecord[]> {
	const { results } = await db
		.prepare(
			`SELECT ${USER_COLUMNS} FROM chatops_slack_users
			 WHERE (?1 IS NULL OR team_id = ?1) AND (?2 IS NULL OR principal = ?2)
			 ORDER BY created_on DESC, id DESC LIMIT 1000`,
		)
		.bind(filter.team_id ?? null, filter.principal ?? null)
		.all<SlackUserRow>();
	return results.map(toUser);
}

export async function deleteSlackUser(db: D1Database, id: string): Promise<boolean> {
	const result = await db.prepare("DELETE FROM chatops_slack_users WHERE id = ?1").bind(id).run();
	return (result.meta.changes ?? 0) > 0;
}

/** A one-time link code as stored: only its hash. */
export interface LinkCodeRecord {
	hash: string;
	principal: string;
	email: string;
	scopes: string[];
	created_on: string;
	expires_on: string;
}

export async function insertLinkCode(db: D1Database, code: LinkCodeRecord): Promise<void> {
	await db
		.prepare(
			`INSERT INTO chatops_link_codes (hash, principal, email, scopes, created_on, expires_on)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
		)
		.bind(code.hash, code.principal, code.email, JSON.stringify(code.scopes), code.created_on, code.expires_on)
		.run();
}

/**
 * Uses a code: one statement marks it used only if it is unused and unexpired, and returns it, so two
 * redemptions racing each other cannot both succeed.
 */
export async function redeemLinkCode(
	db: D1Database,
	hash: string,
	now: string,
	by: string,
): Promise<LinkCodeRecord | null> {
	const row = await db
		.prepare(
			`UPDATE chatops_link_codes SET used_on = ?2, used_by = ?3
			 WHERE hash = ?1 AND used_on IS NULL AND expires_on > ?2
			 RETURNING hash, principal, email, scopes, created_on, expires_on`,
		)
		.bind(hash, now, by)
		.first<Omit<LinkCodeRecord, "scopes"> & { scopes: string }>();
	return row ? { ...row, scopes: JSON.parse(row.scopes) as string[] } : null;
}

/**
 * Claims `key` for whoever handles it now. Returns null when the claim is new (go ahead), or who handled
 * it before and when (do nothing again).
 */
export async function claimHandled(
	db: D1Database,
	key: string,
	at: string,
	by: string,
): Promise<{ handled_on: string; handled_by: string } | null> {
	const result = await db
		.prepare(
			"INSERT INTO chatops_handled (key, handled_on, handled_by) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING",
		)
		.bind(key, at, by)
		.run();
	if ((result.meta.changes ?? 0) > 0) return null;
	return (
		(await db
			.prepare("SELECT handled_on, handled_by FROM chatops_handled WHERE key = ?1")
			.bind(key)
			.first<{ handled_on: string; handled_by: string }>()) ?? { handled_on: at, handled_by: "unknown" }
	);
}

/** Gives a claim back (only the one made by `by` at `at`), so that the same key may be handled again. */
export async function releaseHandled(db: D1Database, key: string, at: string, by: string): Promise<void> {
	await db
		.prepare("DELETE FROM chatops_handled WHERE key = ?1 AND handled_on = ?2 AND handled_by = ?3")
		.bind(key, at, by)
		.run();
}

/** Retention: claims older than `before` (a confirmation that old is stale by If-Match anyway). */
export async function purgeHandled(db: D1Database, before: Date): Promise<number> {
	const at = before.toISOString();
	const handled = await db.prepare("DELETE FROM chatops_handled WHERE handled_on < ?1").bind(at).run();
	const codes = await db.prepare("DELETE FROM chatops_link_codes WHERE expires_on < ?1").bind(at).run();
	return (handled.meta.changes ?? 0) + (codes.meta.changes ?? 0);
}

/** A dashboard session as stored: never the session id itself, only its hash (migrations/0090). */
export interface SessionRecord {
	id_hash: string;
	/** "admin": opened with SHIPLOG_ADMIN_TOKEN; "token": with an API token. */
	principal_kind: "admin" | "token";
	token_id: string | null;
	/** For admin sessions: SHA-256 of the admin token they were opened with (a rotation ends them). */
	credential_hash: string | null;
	csrf_token: string;
	created_on: string;
	last_seen_on: string;
	expires_on: string;
}

export async function insertSession(db: D1Database, s: SessionRecord): Promise<void> {
	await db
		.prepare(
			`INSERT INTO dashboard_sessions (id_hash, principal_kind, token_id, credential_hash, csrf_token, created_on, last_seen_on, expires_on)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
		)
		.bind(
			s.id_hash,
			s.principal_kind,
			s.token_id,
			s.credential_hash,
			s.csrf_token,
			s.created_on,
			s.last_seen_on,
			s.expires_on,
		)
		.run();
}

export async function getSession(db: D1Database, idHash: string): Promise<SessionRecord | null> {
	return db.prepare("SELECT * FROM dashboard_sessions WHERE id_hash = ?1").bind(idHash).first<SessionRecord>();
}

export async function touchSession(db: D1Database, idHash: string, now: string): Promise<void> {
	await db.prepare("UPDATE dashboard_sessions SET last_seen_on = ?2 WHERE id_hash = ?1").bind(idHash, now).run();
}

export async function deleteSession(db: D1Database, idHash: string): Promise<void> {
	await db.prepare("DELETE FROM dashboard_sessions WHERE id_hash = ?1").bind(idHash).run();
}

/** Sessions past their absolute expiry (idle ones are refused on use and go at their expiry). */
export async function purgeExpiredSessions(db: D1Database, now: string): Promise<number> {
	const purged = await db.prepare("DELETE FROM dashboard_sessions WHERE expires_on <= ?1").bind(now).run();
	return purged.meta.changes ?? 0;
}

/** Failed sign-ins of `client` in the window starting at `windowStart` (epoch ms). */
export async function signInFailures(db: D1Database, client: string, windowStart: number): Promise<number> {
	const row = await db
		.prepare("SELECT failures FROM dashboard_sign_in_failures WHERE client = ?1 AND window_start = ?2")
		.bind(client, windowStart)
		.first<{ failures: number }>();
	return row?.failures ?? 0;
}

export async function countSignInFailure(db: D1Database, client: string, windowStart: number): Promise<void> {
	await db.batch([
		db.prepare("DELETE FROM dashboard_sign_in_failures WHERE window_start < ?1").bind(windowStart),
		db
			.prepare(
				`INSERT INTO dashboard_sign_in_failures (client, window_start, failures) VALUES (?1, ?2, 1)
				 ON CONFLICT (client, window_start) DO UPDATE SET failures = failures + 1`,
			)
			.bind(client, windowStart),
	]);
}

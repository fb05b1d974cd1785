-- Dashboard sessions (src/dashboard). The cookie holds a random id; only its SHA-256 is stored, so a read of
-- this table cannot be replayed as a session. A session is backed by the token it was opened with: the token's
-- id (API tokens) or the admin token's hash, checked again on every request so a revocation ends it.
CREATE TABLE dashboard_sessions (
	id_hash TEXT PRIMARY KEY,
	principal_kind TEXT NOT NULL CHECK (principal_kind IN ('admin', 'token')),
	token_id TEXT,
	credential_hash TEXT,
	csrf_token TEXT NOT NULL,
	created_on TEXT NOT NULL,
	last_seen_on TEXT NOT NULL,
	expires_on TEXT NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_on);

-- Failed sign-ins per client and time window: past a limit the sign-in form refuses before checking the token.
CREATE TABLE dashboard_sign_in_failures (
	client TEXT NOT NULL,
	window_start INTEGER NOT NULL,
	failures INTEGER NOT NULL,
	PRIMARY KEY (client, window_start)
);

-- API tokens (issue 13). The token itself is never stored: only the SHA-256 of the whole token (what a
-- request is looked up by) and a short prefix people recognise it by. Revoking sets revoked_on; rows stay.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  -- Lower-case hex SHA-256 of the whole token.
  hash TEXT NOT NULL UNIQUE,
  -- 'shl_' and the first 4 random characters: not enough to guess the rest.
  prefix TEXT NOT NULL,
  -- Who the token acts for (a person's email, or a pipeline's name), recorded as the author of its changes.
  principal TEXT NOT NULL,
  email TEXT NOT NULL,
  description TEXT,
  -- JSON: ["read", "deploy:checkout-*", ...]
  scopes TEXT NOT NULL,
  created_on TEXT NOT NULL,
  created_by TEXT NOT NULL,
  expires_on TEXT,
  revoked_on TEXT,
  revoked_by TEXT,
  -- Updated at most once a minute per token, not on every request.
  last_used_on TEXT
);

CREATE INDEX api_tokens_by_principal ON api_tokens (principal, created_on);

-- The audit log: one row per change and per refusal, on every surface. Append-only: rows are never
-- updated (the trigger refuses it); the cron deletes rows older than SHIPLOG_AUDIT_LOG_RETENTION_DAYS.
-- Never holds a secret value or a token.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  -- Who: the principal (null when the caller could not be identified), its kind and token prefix.
  principal_id TEXT,
  principal_kind TEXT,
  token_prefix TEXT,
  -- Through what: api | wrangler | chatops | dashboard | cron | edge.
  source TEXT NOT NULL,
  -- What, dotted: worker.deploy, worker.rollback, secret.put, token.create, webhook.delete, ...
  action TEXT NOT NULL,
  -- success | unchanged | replayed | refused | denied | unauthenticated
  outcome TEXT NOT NULL,
  status INTEGER,
  worker TEXT,
  version_id TEXT,
  deployment_id TEXT,
  -- Other things an action is about: ('token', id), ('webhook', id), ('resource', 'kv_namespace:<id>').
  target_type TEXT,
  target_id TEXT,
  reason TEXT,
  message TEXT,
  -- JSON object with the rest (never secret values).
  details TEXT,
  request_id TEXT
);

CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_worker ON audit_log (worker, at, id);
CREATE INDEX audit_log_by_principal ON audit_log (principal_id, at, id);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Who registered and who deleted a resource.
ALTER TABLE resources ADD COLUMN author_id TEXT;
ALTER TABLE resources ADD COLUMN author_email TEXT;
ALTER TABLE resources ADD COLUMN deleted_by_id TEXT;
ALTER TABLE resources ADD COLUMN deleted_by_email TEXT;

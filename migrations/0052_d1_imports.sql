-- `wrangler d1 execute --remote --file`: the import that `init` opened, waiting for its upload and `ingest`.
-- The upload URL carries a random token (the only credential of that unauthenticated PUT); only its SHA-256
-- is kept. The file itself waits in the DATA bucket under d1-imports/<token_hash>.
CREATE TABLE d1_imports (
  token_hash TEXT PRIMARY KEY,
  database_id TEXT NOT NULL,
  etag TEXT NOT NULL,
  created_on TEXT NOT NULL,
  uploaded INTEGER NOT NULL DEFAULT 0
);

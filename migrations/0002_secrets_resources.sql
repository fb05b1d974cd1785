-- Secret values of managed Workers, encrypted with AES-GCM under the SHIPLOG_SECRETS_KEY Worker secret.
-- Rows are never updated or deleted: a version's secret_text binding names a row by id (secret_ref), so
-- every version keeps the exact values it was made with and a rollback restores them.
CREATE TABLE secret_values (
  id TEXT PRIMARY KEY,
  worker TEXT NOT NULL,
  name TEXT NOT NULL,
  -- base64 of AES-GCM ciphertext+tag; the additional data binds it to (worker, name, id).
  ciphertext TEXT NOT NULL,
  -- base64 of the 12-byte IV.
  iv TEXT NOT NULL,
  created_on TEXT NOT NULL
);

CREATE INDEX secret_values_by_worker ON secret_values (worker, name);

-- Resources that bindings point at and that can be deleted from under a Worker. A resource is registered
-- on first use by a version (or by POST /v1/resources); deleting it sets deleted_on and keeps the row.
CREATE TABLE resources (
  type TEXT NOT NULL CHECK (type IN ('kv_namespace', 'r2_bucket', 'queue', 'd1')),
  id TEXT NOT NULL,
  created_on TEXT NOT NULL,
  -- Who registered it: 'api' or 'worker:<name>' for a first use by a version.
  registered_by TEXT NOT NULL,
  deleted_on TEXT,
  PRIMARY KEY (type, id)
);

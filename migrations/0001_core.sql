-- The deployment log. Rows in versions and deployments are never updated or deleted: the log is immutable.
-- Only the WorkerCoordinator Durable Object for a Worker writes that Worker's rows.

CREATE TABLE workers (
  name TEXT PRIMARY KEY,
  created_on TEXT NOT NULL,
  updated_on TEXT NOT NULL,
  -- The pointer: always the id of the deployment with number = deployment_count.
  active_deployment_id TEXT,
  -- Counters that the next version and deployment number follow on from (numbers are 1, 2, 3, ...).
  version_count INTEGER NOT NULL DEFAULT 0,
  deployment_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE versions (
  id TEXT PRIMARY KEY,
  worker TEXT NOT NULL REFERENCES workers(name),
  number INTEGER NOT NULL,
  created_on TEXT NOT NULL,
  author_id TEXT NOT NULL,
  author_email TEXT NOT NULL,
  source TEXT NOT NULL,
  message TEXT,
  tag TEXT,
  triggered_by TEXT NOT NULL,
  main_module TEXT NOT NULL,
  -- JSON: [{name, content_type, sha256, size}]; bodies live in R2 under modules/sha256/<hex>.
  modules TEXT NOT NULL,
  -- JSON: bindings as uploaded, secret values replaced by references to encrypted values.
  bindings TEXT NOT NULL,
  compatibility_date TEXT,
  compatibility_flags TEXT NOT NULL,
  usage_model TEXT NOT NULL,
  -- The Durable Object migration tag after this version, and the migrations its upload carried (JSON or NULL).
  migration_tag TEXT,
  migrations TEXT,
  UNIQUE (worker, number)
);

CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  worker TEXT NOT NULL REFERENCES workers(name),
  number INTEGER NOT NULL,
  created_on TEXT NOT NULL,
  author_id TEXT NOT NULL,
  author_email TEXT NOT NULL,
  source TEXT NOT NULL,
  message TEXT,
  triggered_by TEXT NOT NULL,
  rollback_from TEXT,
  strategy TEXT NOT NULL DEFAULT 'percentage',
  -- JSON: [{version_id, percentage}], one or two entries totalling 100.
  versions TEXT NOT NULL,
  UNIQUE (worker, number)
);

-- UNIQUE (worker, number) gives both tables an index that serves "newest first" listings without a scan.

CREATE TABLE audit_runs (
  id TEXT PRIMARY KEY,
  started_on TEXT NOT NULL,
  finished_on TEXT NOT NULL,
  trigger TEXT NOT NULL,
  workers_checked INTEGER NOT NULL,
  -- JSON: [{worker, problem}]
  problems TEXT NOT NULL
);

-- A compare-and-set for D1 batches. Each write batch starts by inserting here a value that is NULL
-- (so the NOT NULL constraint aborts the whole batch) unless the Worker's counters are still the ones
-- the coordinator expects, and ends by emptying the table again. Stale writers cannot land.
CREATE TABLE write_guard (ok INTEGER NOT NULL);

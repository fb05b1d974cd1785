-- Versions removed by retention (SHIPLOG_RETENTION_DAYS). The deployments that used them stay in the log; this
-- row is what is left of the version, so that GET answers "pruned" rather than "never existed" and the audit
-- still sees numbers 1..version_count accounted for.
CREATE TABLE pruned_versions (
  id TEXT PRIMARY KEY,
  worker TEXT NOT NULL,
  number INTEGER NOT NULL,
  created_on TEXT NOT NULL,
  pruned_on TEXT NOT NULL,
  UNIQUE (worker, number)
);

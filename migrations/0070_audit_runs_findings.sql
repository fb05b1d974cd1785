-- Audit runs and their findings (src/audit, docs/architecture.md "Audits"). 0001's audit_runs recorded one
-- finished run per row with its problems as JSON; runs now have a status and progress, so the table is rebuilt
-- and the old rows carried over as finished runs of the one check they ran.
ALTER TABLE audit_runs RENAME TO audit_runs_0001;

CREATE TABLE audit_runs (
  id TEXT PRIMARY KEY,
  -- 1, 2, 3, ... in the order runs start: newest first is number DESC, and the list's cursor.
  number INTEGER NOT NULL UNIQUE,
  -- What started it: 'cron:<expression>', 'api', or a test's name.
  trigger TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  started_on TEXT NOT NULL,
  finished_on TEXT,
  -- JSON array: the checks this run performs.
  checks TEXT NOT NULL,
  -- Where a running run is (resumable after an interruption): the phase and the cursor within it.
  phase TEXT NOT NULL,
  cursor TEXT,
  -- Steps committed so far; every step's write is guarded by it, so a step applied twice lands once.
  steps INTEGER NOT NULL DEFAULT 0,
  workers_total INTEGER NOT NULL DEFAULT 0,
  workers_checked INTEGER NOT NULL DEFAULT 0,
  findings_opened INTEGER NOT NULL DEFAULT 0,
  findings_closed INTEGER NOT NULL DEFAULT 0,
  -- Open findings when the run finished.
  findings_open INTEGER,
  -- JSON object: per-check figures, the integrity slice, retention and garbage collection, subrequests per step.
  counts TEXT NOT NULL DEFAULT '{}',
  -- The last error a step met (the step is retried); the run goes on.
  error TEXT
);

INSERT INTO audit_runs (id, number, trigger, status, started_on, finished_on, checks, phase, steps, workers_total,
  workers_checked, findings_open, counts)
SELECT id, row_number() OVER (ORDER BY started_on, id), trigger, 'done', started_on, finished_on, '["consistency"]',
  'done', 1, workers_checked, workers_checked, NULL, json_object('problems', json(problems))
FROM audit_runs_0001;

DROP TABLE audit_runs_0001;

-- At most one run is in progress.
CREATE UNIQUE INDEX audit_runs_running ON audit_runs (status) WHERE status = 'running';

-- One row per episode of a finding: opened once by the run that first sees it, kept open (last_seen_*) while
-- runs still see it, closed by the first run that examines its subject and no longer sees it. The same
-- (check, worker, subject) seen again later opens a new row.
CREATE TABLE audit_findings (
  -- The order findings were opened in: the cursor of GET /v1/findings.
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  check_name TEXT NOT NULL,
  -- '' for a finding about the account rather than one Worker (a resource no Worker binds).
  worker TEXT NOT NULL,
  -- What within the check and Worker it is about, e.g. 'pointer', 'module:<sha256>', 'deployment:<id>'.
  subject TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  message TEXT NOT NULL,
  -- JSON object.
  details TEXT NOT NULL DEFAULT '{}',
  opened_on TEXT NOT NULL,
  opened_run TEXT NOT NULL,
  last_seen_on TEXT NOT NULL,
  last_seen_run TEXT NOT NULL,
  closed_on TEXT,
  closed_run TEXT,
  -- When the opening and the closing were handed to the notifier (an outbox: a step that commits a transition
  -- and dies before notifying is notified by the next step).
  open_notified_on TEXT,
  close_notified_on TEXT
);

-- At most one open episode per identity.
CREATE UNIQUE INDEX audit_findings_open ON audit_findings (check_name, worker, subject) WHERE closed_on IS NULL;
CREATE INDEX audit_findings_open_by_worker ON audit_findings (worker, check_name) WHERE closed_on IS NULL;
CREATE INDEX audit_findings_opened_run ON audit_findings (opened_run);
CREATE INDEX audit_findings_closed_run ON audit_findings (closed_run);
-- Transitions not yet handed to the notifier.
CREATE INDEX audit_findings_outbox ON audit_findings (seq)
  WHERE open_notified_on IS NULL OR (closed_on IS NOT NULL AND close_notified_on IS NULL);

-- Cursors and marks that outlive one run: the integrity check's place among module bodies, the garbage
-- collector's place in the bucket, when the last full integrity pass finished.
CREATE TABLE audit_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The resources each Worker's active deployment binds, as the last audit of that Worker saw them: what the
-- resources check reads to find resources no Worker binds, without reading every Worker again.
CREATE TABLE audit_worker_resources (
  worker TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (type, id, worker)
);

CREATE INDEX audit_worker_resources_by_worker ON audit_worker_resources (worker);

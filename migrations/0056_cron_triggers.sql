-- Cron triggers of managed Workers (src/runtime/cron): the schedules wrangler uploads (PUT .../schedules), and
-- every run shiplog made of them. A run is claimed by inserting its row (one per Worker, cron and minute), so
-- a minute that fires twice runs each schedule once.
CREATE TABLE worker_schedules (
	worker TEXT NOT NULL,
	cron TEXT NOT NULL,
	created_on TEXT NOT NULL,
	PRIMARY KEY (worker, cron)
);

CREATE TABLE cron_runs (
	id TEXT PRIMARY KEY,
	worker TEXT NOT NULL,
	cron TEXT NOT NULL,
	-- The minute the run was due (ms since the epoch), as scheduled() sees it in controller.scheduledTime.
	scheduled_time INTEGER NOT NULL,
	started_on TEXT NOT NULL,
	finished_on TEXT,
	deployment_id TEXT,
	version_id TEXT,
	-- running | ok | exception | no_handler | not_deployed | unavailable
	outcome TEXT NOT NULL,
	error TEXT
);
CREATE UNIQUE INDEX cron_runs_once ON cron_runs (worker, cron, scheduled_time);
CREATE INDEX cron_runs_by_worker ON cron_runs (worker, scheduled_time DESC);

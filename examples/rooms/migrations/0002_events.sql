-- What the queue consumer and the cron handler did, so the application can show it.
CREATE TABLE processed (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind TEXT NOT NULL,
	detail TEXT NOT NULL,
	at TEXT NOT NULL
);

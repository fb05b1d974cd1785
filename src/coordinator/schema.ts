/**
 * The coordinator's own SQLite tables (see docs/storage-layout.md). Each entry is applied once, in
 * order, synchronously in the constructor; never edit one that has shipped, add another.
 */
export const COORDINATOR_SCHEMA: readonly string[] = [
	`CREATE TABLE state (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		worker TEXT NOT NULL,
		version_count INTEGER NOT NULL,
		deployment_count INTEGER NOT NULL,
		active_deployment_id TEXT
	);
	CREATE TABLE pending (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		-- JSON: the write whose D1 outcome is not yet known ({ version_id?, deployment_id?, next })
		write TEXT NOT NULL,
		created_on TEXT NOT NULL
	);`,
];

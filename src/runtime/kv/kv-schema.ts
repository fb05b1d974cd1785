/** Chunks of a value, each one row: a SQLite-backed Durable Object keeps rows under 2 MB. */
export const KV_CHUNK_BYTES = 1024 * 1024;

/**
 * A KV namespace's tables (docs/storage-layout.md). A value's first chunk is kept in its entry so that the
 * common small value is one row read; `size` counts key, value and metadata bytes, which is what the
 * namespace's storage limit measures, and `usage` keeps their sum so the check needs no scan.
 */
export const KV_SCHEMA: readonly string[] = [
	`CREATE TABLE entries (
		key TEXT PRIMARY KEY,
		value BLOB NOT NULL,
		chunks INTEGER NOT NULL,
		size INTEGER NOT NULL,
		metadata TEXT,
		expiration INTEGER
	);
	CREATE INDEX entries_by_expiration ON entries (expiration) WHERE expiration IS NOT NULL;
	CREATE TABLE chunks (
		key TEXT NOT NULL,
		seq INTEGER NOT NULL,
		bytes BLOB NOT NULL,
		PRIMARY KEY (key, seq)
	);
	CREATE TABLE usage (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		bytes INTEGER NOT NULL,
		keys INTEGER NOT NULL
	);
	INSERT INTO usage (id, bytes, keys) VALUES (1, 0, 0);`,
];

/**
 * An R2 bucket's ledger (docs/storage-layout.md): the size of every object shiplog has written for the bucket,
 * so its storage limit is checked without listing R2, and whether the bucket is being destroyed. The objects
 * themselves are in shiplog's DATA bucket under r2KeyPrefix(bucket).
 */
export const R2_SCHEMA: readonly string[] = [
	`CREATE TABLE objects (
		key TEXT PRIMARY KEY,
		size INTEGER NOT NULL
	);
	CREATE TABLE usage (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		bytes INTEGER NOT NULL,
		objects INTEGER NOT NULL,
		-- the bucket whose objects a destroy is deleting (it goes on in alarms), or NULL
		destroying TEXT
	);
	INSERT INTO usage (id, bytes, objects, destroying) VALUES (1, 0, 0, NULL);`,
];

/**
 * Applies a store's schema: entries run once, in order, synchronously (so before any call is served), and the
 * count applied is kept in the object. Never edit an entry that has shipped; add another.
 */
export function applySchema(storage: DurableObjectStorage, schema: readonly string[]): void {
	const sql = storage.sql;
	sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	const current = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
	if (current >= schema.length) return;
	storage.transactionSync(() => {
		for (const statement of schema.slice(current)) sql.exec(statement);
		sql.exec("DELETE FROM schema_version");
		sql.exec("INSERT INTO schema_version (version) VALUES (?)", schema.length);
	});
}

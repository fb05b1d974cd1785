import type { SecretValueRecord } from "../secrets/cipher";

/** A new value's row; it goes into the coordinator's commit batch, next to the version that first names it. */
export function insertSecretValue(db: D1Database, r: SecretValueRecord): D1PreparedStatement {
	return db
		.prepare(
			"INSERT INTO secret_values (id, worker, name, ciphertext, iv, created_on, key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		)
		.bind(r.id, r.worker, r.name, r.ciphertext, r.iv, r.created_on, r.key_id);
}

export async function getSecretValues(db: D1Database, worker: string, ids: string[]): Promise<SecretValueRecord[]> {
	if (ids.length === 0) return [];
	const placeholders = ids.map((_, i) => `?${i + 2}`).join(", ");
	const { results } = await db
		.prepare(`SELECT * FROM secret_values WHERE worker = ?1 AND id IN (${placeholders})`)
		.bind(worker, ...ids)
		.all<SecretValueRecord>();
	return results;
}

/** Values sealed with a key other than `currentKeyId` (or before key ids), by id, after `afterId`. */
export async function sealedWithOtherKeys(
	db: D1Database,
	currentKeyId: string,
	limit: number,
	afterId = "",
): Promise<SecretValueRecord[]> {
	const { results } = await db
		.prepare("SELECT * FROM secret_values WHERE (key_id IS NULL OR key_id != ?1) AND id > ?2 ORDER BY id LIMIT ?3")
		.bind(currentKeyId, afterId, limit)
		.all<SecretValueRecord>();
	return results;
}

/**
 * Replaces a row's sealed form with the same value sealed under another key. The value, the id and so
 * every version that names it stay as they are; it only lands if the row still holds what was read.
 */
export async function resealSecretValue(
	db: D1Database,
	before: Pick<SecretValueRecord, "id" | "ciphertext">,
	after: Pick<SecretValueRecord, "ciphertext" | "iv" | "key_id">,
): Promise<boolean> {
	const result = await db
		.prepare("UPDATE secret_values SET ciphertext = ?3, iv = ?4, key_id = ?5 WHERE id = ?1 AND ciphertext = ?2")
		.bind(before.id, before.ciphertext, after.ciphertext, after.iv, after.key_id)
		.run();
	return (result.meta.changes ?? 0) === 1;
}

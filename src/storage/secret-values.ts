import type { SecretValueRecord } from "../secrets/cipher";

/** Rows are immutable; this runs inside the coordinator's commit batch, next to the version that names it. */
export function insertSecretValue(db: D1Database, r: SecretValueRecord): D1PreparedStatement {
	return db
		.prepare("INSERT INTO secret_values (id, worker, name, ciphertext, iv, created_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
		.bind(r.id, r.worker, r.name, r.ciphertext, r.iv, r.created_on);
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

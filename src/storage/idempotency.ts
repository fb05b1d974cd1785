/** Keys are honoured for 24 hours; after that the same key starts a new request. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredResult {
	fingerprint: string;
	result: unknown;
}

export async function findIdempotentResult(
	db: D1Database,
	worker: string,
	key: string,
	now: Date,
): Promise<StoredResult | null> {
	const since = new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString();
	const row = await db
		.prepare("SELECT fingerprint, result FROM idempotency_keys WHERE worker = ?1 AND key = ?2 AND created_on > ?3")
		.bind(worker, key, since)
		.first<{ fingerprint: string; result: string }>();
	return row ? { fingerprint: row.fingerprint, result: JSON.parse(row.result) } : null;
}

/** Part of the change's own batch. REPLACE only ever overwrites an expired row: live ones are found first. */
export function storeIdempotentResult(
	db: D1Database,
	args: { worker: string; key: string; fingerprint: string; result: unknown; now: string },
): D1PreparedStatement {
	return db
		.prepare(
			"INSERT OR REPLACE INTO idempotency_keys (worker, key, fingerprint, result, created_on) VALUES (?1, ?2, ?3, ?4, ?5)",
		)
		.bind(args.worker, args.key, args.fingerprint, JSON.stringify(args.result), args.now);
}

export async function purgeExpiredKeys(db: D1Database, now: Date): Promise<number> {
	const before = new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString();
	const result = await db.prepare("DELETE FROM idempotency_keys WHERE created_on <= ?1").bind(before).run();
	return result.meta.changes ?? 0;
}

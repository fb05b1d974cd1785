/** Cursors and marks that outlive one run (audit_state): the integrity slice's place, the collector's place. */
export const AUDIT_STATE = {
	integrityCursor: "integrity_cursor",
	integrityPassCompleted: "integrity_pass_completed_on",
	gcCursor: "gc_cursor",
} as const;
export type AuditStateKey = (typeof AUDIT_STATE)[keyof typeof AUDIT_STATE];

export async function readAuditState(db: D1Database, key: AuditStateKey): Promise<string | null> {
	const row = await db.prepare("SELECT value FROM audit_state WHERE key = ?1").bind(key).first<{ value: string }>();
	return row?.value ?? null;
}

export function writeAuditState(db: D1Database, key: AuditStateKey, value: string): D1PreparedStatement {
	return db
		.prepare(
			"INSERT INTO audit_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		)
		.bind(key, value);
}

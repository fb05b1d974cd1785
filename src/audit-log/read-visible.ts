import type { Grant } from "../core/scopes";
import { type AuditCursor, type AuditFilter, encodeAuditCursor, readAuditLog } from "../storage/audit-log";
import type { AuditEntry } from "./entry";
import { visibleTo } from "./visibility";

/** Rows read per query, and at most per request: a narrow token's page may come back short, with a cursor. */
const CHUNK = 200;
const MAX_SCAN = 2000;

/**
 * A page of the audit log as `grants` may see it (newest first), and the cursor for the next page when
 * there may be one. /v1/audit-log and the dashboard read it through this.
 */
export async function readVisibleAuditLog(
	db: D1Database,
	grants: readonly Grant[],
	filter: AuditFilter,
	start: AuditCursor | undefined,
	limit: number,
): Promise<{ items: AuditEntry[]; next_cursor: string | null }> {
	const items: AuditEntry[] = [];
	let cursor = start;
	let exhausted = false;
	for (let scanned = 0; items.length < limit && scanned < MAX_SCAN; ) {
		const rows = await readAuditLog(db, filter, cursor, CHUNK);
		for (const row of rows) {
			scanned += 1;
			cursor = { at: row.at, id: row.id };
			if (visibleTo(grants, row)) items.push(row);
			if (items.length === limit) break;
		}
		if (rows.length < CHUNK && (items.length < limit || cursor?.id === rows.at(-1)?.id)) {
			exhausted = true;
			break;
		}
	}
	return { items, next_cursor: exhausted || !cursor ? null : encodeAuditCursor(cursor) };
}

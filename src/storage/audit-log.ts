import type { AuditEntry } from "../audit-log/entry";
import { ApiError } from "../errors/api-error";

interface AuditRow extends Omit<AuditEntry, "details"> {
	details: string | null;
}

const COLUMNS = [
	"id",
	"at",
	"principal_id",
	"principal_kind",
	"token_prefix",
	"source",
	"action",
	"outcome",
	"status",
	"worker",
	"version_id",
	"deployment_id",
	"target_type",
	"target_id",
	"reason",
	"message",
	"details",
	"request_id",
] as const;

/** An insert of one entry, to run alone or inside a change's own batch. */
export function insertAuditEntry(db: D1Database, entry: AuditEntry): D1PreparedStatement {
	const values = COLUMNS.map((column) => {
		const value = entry[column];
		return column === "details" ? (value === null ? null : JSON.stringify(value)) : (value ?? null);
	});
	return db
		.prepare(`INSERT INTO audit_log (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((_, i) => `?${i + 1}`).join(", ")})`)
		.bind(...values);
}

export interface AuditFilter {
	worker?: string;
	principal?: string;
	action?: string;
	outcome?: string;
	/** ISO times: entries at or after `since` and before `until`. */
	since?: string;
	until?: string;
}

export interface AuditCursor {
	at: string;
	id: string;
}

/** Cursors are opaque to clients; inside, the (at, id) of the last entry a page held. */
export function encodeAuditCursor(cursor: AuditCursor): string {
	return btoa(JSON.stringify([cursor.at, cursor.id])).replaceAll("=", "");
}

export function decodeAuditCursor(text: string | undefined): AuditCursor | undefined {
	if (text === undefined) return undefined;
	try {
		const [at, id] = JSON.parse(atob(text)) as unknown[];
		if (typeof at === "string" && typeof id === "string" && at.length <= 40 && id.length <= 64) return { at, id };
	} catch {
		// fall through
	}
	throw new ApiError("invalid_request", "cursor is not one that shiplog returned; start again without it.");
}

/** Entries matching `filter`, newest first, strictly after `cursor` in that order. */
export async function readAuditLog(
	db: D1Database,
	filter: AuditFilter,
	cursor: AuditCursor | undefined,
	limit: number,
): Promise<AuditEntry[]> {
	const { results } = await db
		.prepare(
			`SELECT ${COLUMNS.join(", ")} FROM audit_log
			 WHERE (?1 IS NULL OR worker = ?1) AND (?2 IS NULL OR principal_id = ?2) AND (?3 IS NULL OR action = ?3)
			   AND (?4 IS NULL OR outcome = ?4) AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at < ?6)
			   AND (?7 IS NULL OR at < ?7 OR (at = ?7 AND id < ?8))
			 ORDER BY at DESC, id DESC LIMIT ?9`,
		)
		.bind(
			filter.worker ?? null,
			filter.principal ?? null,
			filter.action ?? null,
			filter.outcome ?? null,
			filter.since ?? null,
			filter.until ?? null,
			cursor?.at ?? null,
			cursor?.id ?? "",
			limit,
		)
		.all<AuditRow>();
	return results.map((row) => ({ ...row, details: row.details === null ? null : JSON.parse(row.details) }));
}

/** Retention: deletes entries older than `before`. The only deletion the log ever sees. */
export async function purgeAuditLog(db: D1Database, before: Date): Promise<number> {
	const result = await db.prepare("DELETE FROM audit_log WHERE at < ?1").bind(before.toISOString()).run();
	return result.meta.changes ?? 0;
}

import type { NewEvent, StoredEvent } from "../notifications/events";

interface EventRow extends Omit<StoredEvent, "data"> {
	data: string;
}

/** An insert into the outbox, to run alone or in the batch of the change the event is about. */
export function insertEvent(db: D1Database, id: string, at: string, event: NewEvent): D1PreparedStatement {
	return db
		.prepare("INSERT INTO events (id, type, worker, created_on, data) VALUES (?1, ?2, ?3, ?4, ?5)")
		.bind(id, event.type, event.worker, at, JSON.stringify(event.data));
}

/** Events after `seq`, oldest first. */
export async function eventsAfter(db: D1Database, seq: number, limit: number): Promise<StoredEvent[]> {
	const { results } = await db
		.prepare("SELECT seq, id, type, worker, created_on, data FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
		.bind(seq, limit)
		.all<EventRow>();
	return results.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
}

export async function getEvent(db: D1Database, seq: number): Promise<StoredEvent | null> {
	const row = await db
		.prepare("SELECT seq, id, type, worker, created_on, data FROM events WHERE seq = ?1")
		.bind(seq)
		.first<EventRow>();
	return row ? { ...row, data: JSON.parse(row.data) as Record<string, unknown> } : null;
}

/** The newest event's seq (0 with none): where a new webhook starts. */
export async function lastEventSeq(db: D1Database): Promise<number> {
	const row = await db.prepare("SELECT MAX(seq) AS seq FROM events").first<{ seq: number | null }>();
	return row?.seq ?? 0;
}

export async function purgeEvents(db: D1Database, before: Date): Promise<number> {
	const result = await db.prepare("DELETE FROM events WHERE created_on < ?1").bind(before.toISOString()).run();
	return result.meta.changes ?? 0;
}

import type { StoredEvent } from "../notifications/events";

export type WebhookFormat = "standard" | "slack";

/** A webhook as shown: no URL secrets (only `url_display`), no signing secret. */
export interface WebhookRecord {
	id: string;
	format: WebhookFormat;
	url_display: string;
	events: string[];
	workers: string[] | null;
	description: string | null;
	created_on: string;
	created_by: string;
	deleted_on: string | null;
	cursor: number;
}

/** The URL and signing secret, encrypted under SHIPLOG_SECRETS_KEY; `ref` is the id bound into the ciphertext. */
export interface SealedTarget {
	sealed: string;
	sealed_iv: string;
	sealed_ref: string;
	/** The key that sealed it (src/secrets/key-ring.ts); null for targets sealed before this was kept. */
	sealed_key_id: string | null;
}

interface WebhookRow extends Omit<WebhookRecord, "events" | "workers">, SealedTarget {
	events: string;
	workers: string | null;
}

const toRecord = (row: WebhookRow): WebhookRecord & SealedTarget => ({
	...row,
	events: JSON.parse(row.events) as string[],
	workers: row.workers === null ? null : (JSON.parse(row.workers) as string[]),
});

export function withoutSealed(record: WebhookRecord & Partial<SealedTarget>): WebhookRecord {
	const { sealed: _s, sealed_iv: _i, sealed_ref: _r, sealed_key_id: _k, ...rest } = record;
	return rest;
}

export async function insertWebhook(db: D1Database, record: WebhookRecord & SealedTarget): Promise<void> {
	await db
		.prepare(
			`INSERT INTO webhooks (id, format, url_display, sealed, sealed_iv, sealed_ref, events, workers, description, created_on, created_by, cursor, sealed_key_id)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
		)
		.bind(
			record.id,
			record.format,
			record.url_display,
			record.sealed,
			record.sealed_iv,
			record.sealed_ref,
			JSON.stringify(record.events),
			record.workers === null ? null : JSON.stringify(record.workers),
			record.description,
			record.created_on,
			record.created_by,
			record.cursor,
			record.sealed_key_id,
		)
		.run();
}

export async function getWebhook(db: D1Database, id: string): Promise<(WebhookRecord & SealedTarget) | null> {
	const row = await db.prepare("SELECT * FROM webhooks WHERE id = ?1").bind(id).first<WebhookRow>();
	return row ? toRecord(row) : null;
}

export async function listWebhooks(db: D1Database, includeDeleted: boolean): Promise<WebhookRecord[]> {
	const { results } = await db
		.prepare("SELECT * FROM webhooks WHERE (?1 = 1 OR deleted_on IS NULL) ORDER BY created_on, id LIMIT 1000")
		.bind(includeDeleted ? 1 : 0)
		.all<WebhookRow>();
	return results.map((row) => withoutSealed(toRecord(row)));
}

/** The live webhooks' ids, as a statement: a change's commit batch carries it, saving a round trip after it. */
export function selectActiveWebhookIds(db: D1Database): D1PreparedStatement {
	return db.prepare("SELECT id FROM webhooks WHERE deleted_on IS NULL");
}

export async function activeWebhookIds(db: D1Database): Promise<string[]> {
	const { results } = await selectActiveWebhookIds(db).all<{ id: string }>();
	return results.map((r) => r.id);
}

/** Live webhooks whose target is sealed with another key than `currentKeyId` (or with an unrecorded one). */
export async function webhooksSealedWithOtherKeys(
	db: D1Database,
	currentKeyId: string,
	limit: number,
): Promise<(SealedTarget & { id: string })[]> {
	const { results } = await db
		.prepare(
			`SELECT id, sealed, sealed_iv, sealed_ref, sealed_key_id FROM webhooks
			 WHERE deleted_on IS NULL AND (sealed_key_id IS NULL OR sealed_key_id != ?1) ORDER BY id LIMIT ?2`,
		)
		.bind(currentKeyId, limit)
		.all<SealedTarget & { id: string }>();
	return results;
}

/** Replaces a webhook's sealed target, unless it changed since `before` was read; true when it was replaced. */
export async function resealWebhookTarget(
	db: D1Database,
	id: string,
	before: Pick<SealedTarget, "sealed">,
	after: Pick<SealedTarget, "sealed" | "sealed_iv" | "sealed_key_id">,
): Promise<boolean> {
	const result = await db
		.prepare("UPDATE webhooks SET sealed = ?3, sealed_iv = ?4, sealed_key_id = ?5 WHERE id = ?1 AND sealed = ?2")
		.bind(id, before.sealed, after.sealed, after.sealed_iv, after.sealed_key_id)
		.run();
	return (result.meta.changes ?? 0) > 0;
}

/** Marks a webhook deleted (kept for its delivery history); null when there is no live one. */
export async function markWebhookDeleted(db: D1Database, id: string, now: string): Promise<WebhookRecord | null> {
	const row = await db
		.prepare("UPDATE webhooks SET deleted_on = ?2 WHERE id = ?1 AND deleted_on IS NULL RETURNING *")
		.bind(id, now)
		.first<WebhookRow>();
	return row ? withoutSealed(toRecord(row)) : null;
}

// ---- deliveries ----

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface DeliveryRecord {
	id: string;
	webhook_id: string;
	event_seq: number;
	event_id: string;
	event_type: string;
	status: DeliveryStatus;
	attempts: number;
	next_attempt_on: string | null;
	created_on: string;
	finished_on: string | null;
}

export interface AttemptRecord {
	delivery_id: string;
	attempt: number;
	at: string;
	response_status: number | null;
	error: string | null;
	duration_ms: number;
}

/** The oldest undelivered message: a webhook's messages go out in the order of their events. */
export async function nextPendingDelivery(db: D1Database, webhookId: string): Promise<DeliveryRecord | null> {
	return db
		.prepare("SELECT * FROM webhook_deliveries WHERE webhook_id = ?1 AND status = 'pending' ORDER BY event_seq LIMIT 1")
		.bind(webhookId)
		.first<DeliveryRecord>();
}

/**
 * Queues deliveries for the events a webhook gets, and moves its cursor past every event it looked at
 * (the ones it does not get too), in one batch: an event is queued once, however often this runs.
 */
export async function queueDeliveries(
	db: D1Database,
	webhookId: string,
	wanted: StoredEvent[],
	cursor: number,
	ids: () => string,
	now: string,
): Promise<void> {
	const statements = wanted.map((event) =>
		db
			.prepare(
				`INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, event_seq, event_id, event_type, status, created_on)
				 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)`,
			)
			.bind(ids(), webhookId, event.seq, event.id, event.type, now),
	);
	statements.push(db.prepare("UPDATE webhooks SET cursor = ?2 WHERE id = ?1 AND cursor < ?2").bind(webhookId, cursor));
	await db.batch(statements);
}

/** Records an attempt and what it leaves the delivery as, together. */
export async function recordAttempt(
	db: D1Database,
	attempt: AttemptRecord,
	next: { status: DeliveryStatus; next_attempt_on: string | null; finished_on: string | null },
): Promise<void> {
	await db.batch([
		db
			.prepare(
				"INSERT INTO webhook_attempts (delivery_id, attempt, at, response_status, error, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			)
			.bind(
				attempt.delivery_id,
				attempt.attempt,
				attempt.at,
				attempt.response_status,
				attempt.error,
				attempt.duration_ms,
			),
		db
			.prepare(
				"UPDATE webhook_deliveries SET attempts = ?2, status = ?3, next_attempt_on = ?4, finished_on = ?5 WHERE id = ?1",
			)
			.bind(attempt.delivery_id, attempt.attempt, next.status, next.next_attempt_on, next.finished_on),
	]);
}

export async function giveUpDelivery(db: D1Database, id: string, now: string): Promise<void> {
	await db
		.prepare("UPDATE webhook_deliveries SET status = 'failed', next_attempt_on = NULL, finished_on = ?2 WHERE id = ?1")
		.bind(id, now)
		.run();
}

/** A webhook's deliveries, newest event first, with every attempt. */
export async function listDeliveries(
	db: D1Database,
	webhookId: string,
	beforeSeq: number | undefined,
	limit: number,
): Promise<(DeliveryRecord & { attempt_log: AttemptRecord[] })[]> {
	const { results } = await db
		.prepare(
			"SELECT * FROM webhook_deliveries WHERE webhook_id = ?1 AND (?2 IS NULL OR event_seq < ?2) ORDER BY event_seq DESC LIMIT ?3",
		)
		.bind(webhookId, beforeSeq ?? null, limit)
		.all<DeliveryRecord>();
	if (results.length === 0) return [];
	const ids = results.map((d) => d.id);
	const { results: attempts } = await db
		.prepare(
			`SELECT * FROM webhook_attempts WHERE delivery_id IN (${ids.map((_, i) => `?${i + 1}`).join(", ")}) ORDER BY attempt`,
		)
		.bind(...ids)
		.all<AttemptRecord>();
	return results.map((d) => ({ ...d, attempt_log: attempts.filter((a) => a.delivery_id === d.id) }));
}

/** Retention: deliveries (and their attempts) finished before `before`. */
export async function purgeDeliveries(db: D1Database, before: Date): Promise<number> {
	const cutoff = before.toISOString();
	const [, deleted] = await db.batch([
		db
			.prepare(
				"DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE finished_on < ?1)",
			)
			.bind(cutoff),
		db.prepare("DELETE FROM webhook_deliveries WHERE finished_on < ?1").bind(cutoff),
	]);
	return deleted?.meta.changes ?? 0;
}

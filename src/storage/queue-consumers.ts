/** A queue's consumer (migrations/0057_queue_consumers.sql). */
export interface QueueConsumer {
	queue: string;
	consumer_id: string;
	worker: string;
	batch_size: number;
	max_retries: number;
	max_wait_time_ms: number;
	/** Seconds before a retried message is delivered again (unless retry() names its own delay). */
	retry_delay: number;
	dead_letter_queue: string | null;
	created_on: string;
}

export function getConsumer(db: D1Database, queue: string): Promise<QueueConsumer | null> {
	return db.prepare("SELECT * FROM queue_consumers WHERE queue = ?1").bind(queue).first<QueueConsumer>();
}

/** Sets the queue's consumer (replacing any other: a queue has one). */
export async function putConsumer(db: D1Database, consumer: QueueConsumer): Promise<void> {
	await db
		.prepare(
			`INSERT INTO queue_consumers (queue, consumer_id, worker, batch_size, max_retries, max_wait_time_ms, retry_delay, dead_letter_queue, created_on)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
			 ON CONFLICT (queue) DO UPDATE SET consumer_id = excluded.consumer_id, worker = excluded.worker,
			   batch_size = excluded.batch_size, max_retries = excluded.max_retries, max_wait_time_ms = excluded.max_wait_time_ms,
			   retry_delay = excluded.retry_delay, dead_letter_queue = excluded.dead_letter_queue`,
		)
		.bind(
			consumer.queue,
			consumer.consumer_id,
			consumer.worker,
			consumer.batch_size,
			consumer.max_retries,
			consumer.max_wait_time_ms,
			consumer.retry_delay,
			consumer.dead_letter_queue,
			consumer.created_on,
		)
		.run();
}

export async function deleteConsumer(db: D1Database, queue: string, consumerId: string): Promise<boolean> {
	const result = await db
		.prepare("DELETE FROM queue_consumers WHERE queue = ?1 AND consumer_id = ?2")
		.bind(queue, consumerId)
		.run();
	return result.meta.changes > 0;
}

/** The consumers of these queues (a queue has at most one), for listing queues as Cloudflare shows them. */
export async function listConsumers(db: D1Database, queues: string[]): Promise<QueueConsumer[]> {
	if (queues.length === 0) return [];
	const marks = queues.map((_, i) => `?${i + 1}`).join(", ");
	const { results } = await db
		.prepare(`SELECT * FROM queue_consumers WHERE queue IN (${marks}) ORDER BY queue`)
		.bind(...queues)
		.all<QueueConsumer>();
	return results;
}

/** Forgets a deleted queue's consumer. */
export async function deleteConsumersOf(db: D1Database, queue: string): Promise<void> {
	await db.prepare("DELETE FROM queue_consumers WHERE queue = ?1").bind(queue).run();
}

/** A queue's consumer as wrangler configures it (migrations/0051_queue_consumers.sql). */
export interface QueueConsumer {
	consumer_id: string;
	queue: string;
	script_name: string;
	settings: Record<string, unknown>;
	dead_letter_queue: string | null;
	created_on: string;
}

interface ConsumerRow {
	consumer_id: string;
	queue: string;
	script_name: string;
	settings: string;
	dead_letter_queue: string | null;
	created_on: string;
}

const toConsumer = (row: ConsumerRow): QueueConsumer => ({ ...row, settings: JSON.parse(row.settings) });

export async function listConsumers(db: D1Database, queues: string[]): Promise<QueueConsumer[]> {
	if (queues.length === 0) return [];
	const marks = queues.map((_, i) => `?${i + 1}`).join(", ");
	const { results } = await db
		.prepare(`SELECT * FROM queue_consumers WHERE queue IN (${marks}) ORDER BY queue, script_name`)
		.bind(...queues)
		.all<ConsumerRow>();
	return results.map(toConsumer);
}

/** Adds a consumer, or replaces the settings of the queue's consumer for the same Worker. */
export async function putConsumer(
	db: D1Database,
	consumer: Omit<QueueConsumer, "created_on">,
	now: string,
): Promise<QueueConsumer> {
	const row = await db
		.prepare(
			`INSERT INTO queue_consumers (consumer_id, queue, script_name, settings, dead_letter_queue, created_on)
			 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
			 ON CONFLICT (queue, script_name) DO UPDATE SET settings = excluded.settings,
			   dead_letter_queue = excluded.dead_letter_queue
			 RETURNING *`,
		)
		.bind(
			consumer.consumer_id,
			consumer.queue,
			consumer.script_name,
			JSON.stringify(consumer.settings),
			consumer.dead_letter_queue,
			now,
		)
		.first<ConsumerRow>();
	if (!row) throw new Error(`queue consumer ${consumer.consumer_id} was not written`);
	return toConsumer(row);
}

export async function deleteConsumer(db: D1Database, queue: string, consumerId: string): Promise<boolean> {
	const result = await db
		.prepare("DELETE FROM queue_consumers WHERE queue = ?1 AND consumer_id = ?2")
		.bind(queue, consumerId)
		.run();
	return (result.meta.changes ?? 0) > 0;
}

export async function deleteConsumersOf(db: D1Database, queue: string): Promise<void> {
	await db.prepare("DELETE FROM queue_consumers WHERE queue = ?1").bind(queue).run();
}

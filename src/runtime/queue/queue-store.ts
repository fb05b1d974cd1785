import { DurableObject } from "cloudflare:workers";
import { getConsumer, type QueueConsumer } from "../../storage/queue-consumers";
import { type Outcome, outcome } from "../outcome";
import { storeName } from "../resource-ids";
import { applySchema } from "../sqlite-schema";
import { Tombstone } from "../tombstone";
import { type DeliveredMessage, deliverBatch } from "./deliver";
import { bodySize, type ContentType, type QueueLimits, queueDeleted, queueFailure, queueLimits } from "./queue-rules";

const SCHEMA = [
	`CREATE TABLE messages (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		size INTEGER NOT NULL,
		content_type TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		visible_at INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	)`,
	"CREATE INDEX messages_visible ON messages (visible_at, seq)",
];

/** A batch being delivered is hidden this long; if the delivery never finishes, it is delivered again. */
const IN_FLIGHT_MS = 5 * 60_000;

export interface EnqueuedMessage {
	body: unknown;
	contentType: ContentType;
	delaySeconds: number;
}

type Row = { id: string; size: number; content_type: string; attempts: number; created_at: number };

/**
 * One queue of managed Workers (named `queue:<name>`, the queue's resource id): holds its messages (metadata in
 * SQL, bodies as structured-clone values in the object's KV storage) and delivers them, by alarm, to the queue's
 * consumer Worker (D1 `queue_consumers`) in batches, acting on each message's ack or retry; a message retried past
 * the consumer's max_retries goes to its dead-letter queue, or is dropped. Once the queue is deleted, its
 * tombstone refuses every send until the queue is created again.
 */
export class QueueStore extends DurableObject<Env> {
	readonly #tombstone: Tombstone;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		applySchema(ctx.storage, SCHEMA);
		this.#tombstone = new Tombstone(ctx.storage);
	}

	enqueue(queue: string, messages: EnqueuedMessage[], limits: QueueLimits): Promise<Outcome<void>> {
		return outcome(
			async () => {
				if (this.#tombstone.laid) throw queueDeleted(queue);
				const sizes = messages.map((m) => bodySize(m.body, m.contentType));
				for (const size of sizes) {
					if (size > limits.messageBytes) {
						throw queueFailure(`message of ${size} bytes exceeds the limit of ${limits.messageBytes} bytes.`);
					}
				}
				const usage = this.usage();
				const bytes = sizes.reduce((a, b) => a + b, 0);
				if (usage.messages + messages.length > limits.backlogMessages) {
					throw queueFailure(
						`queue ${queue} holds ${usage.messages} messages; its backlog limit is ${limits.backlogMessages}.`,
					);
				}
				if (usage.bytes + bytes > limits.backlogBytes) {
					throw queueFailure(
						`queue ${queue} holds ${usage.bytes} bytes; its backlog limit is ${limits.backlogBytes} bytes.`,
					);
				}
				const now = Date.now();
				this.ctx.storage.transactionSync(() => {
					this.ctx.storage.kv.put("queue", queue);
					messages.forEach((message, i) => {
						const id = crypto.randomUUID().replaceAll("-", "");
						this.ctx.storage.sql.exec(
							"INSERT INTO messages (id, size, content_type, visible_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
							id,
							sizes[i],
							message.contentType,
							now + message.delaySeconds * 1000,
							now,
						);
						this.ctx.storage.kv.put(`b:${id}`, message.body);
					});
				});
				await this.#reschedule();
			},
			"Queue send failed: internal error",
			{ at: "queue", queue },
		);
	}

	usage(): { messages: number; bytes: number } {
		const row = this.ctx.storage.sql
			.exec<{ n: number; bytes: number | null }>("SELECT COUNT(*) AS n, SUM(size) AS bytes FROM messages")
			.one();
		return { messages: row.n, bytes: row.bytes ?? 0 };
	}

	/** A consumer was set: deliver what is due. */
	async kick(): Promise<void> {
		await this.#reschedule();
	}

	/**
	 * Deletes every message, for when the queue is deleted, and then (`tombstone`) refuses every send, as for a
	 * queue that does not exist, until `revive()`.
	 */
	async destroy(tombstone = false): Promise<void> {
		await this.ctx.storage.deleteAlarm();
		await this.#tombstone.empty(tombstone, SCHEMA);
	}

	/** The queue is created again: it takes messages again, empty. */
	revive(): void {
		this.#tombstone.lift();
	}

	override async alarm(): Promise<void> {
		const queue = this.ctx.storage.kv.get<string>("queue");
		if (queue === undefined) return;
		const consumer = await getConsumer(this.env.DB, queue);
		if (!consumer) return; // setting a consumer kicks the queue
		const now = Date.now();
		const sql = this.ctx.storage.sql;
		const rows = sql
			.exec<Row>(
				"SELECT id, size, content_type, attempts, created_at FROM messages WHERE visible_at <= ?1 ORDER BY visible_at, seq LIMIT ?2",
				now,
				consumer.batch_size,
			)
			.toArray();
		if (rows.length > 0) {
			for (const row of rows) sql.exec("UPDATE messages SET visible_at = ?2 WHERE id = ?1", row.id, now + IN_FLIGHT_MS);
			const messages: DeliveredMessage[] = rows.map((row) => ({
				id: row.id,
				timestamp: row.created_at,
				body: this.ctx.storage.kv.get(`b:${row.id}`),
				attempts: row.attempts + 1,
			}));
			const decisions = await deliverBatch(this.env, this.ctx, consumer, queue, messages);
			for (const row of rows) await this.#settle(consumer, row, decisions.get(row.id) ?? { op: "retry" });
		}
		await this.#reschedule();
	}

	async #settle(consumer: QueueConsumer, row: Row, decision: { op: "ack" | "retry"; delaySeconds?: number }) {
		const sql = this.ctx.storage.sql;
		const attempts = row.attempts + 1;
		if (decision.op === "ack") return this.#remove(row.id);
		if (attempts <= consumer.max_retries) {
			const delay = decision.delaySeconds ?? consumer.retry_delay;
			sql.exec(
				"UPDATE messages SET attempts = ?2, visible_at = ?3 WHERE id = ?1",
				row.id,
				attempts,
				Date.now() + delay * 1000,
			);
			return;
		}
		// Out of retries: to the dead-letter queue, if there is one; dropped otherwise.
		if (consumer.dead_letter_queue) {
			const body = this.ctx.storage.kv.get(`b:${row.id}`);
			const dlq = consumer.dead_letter_queue;
			const sent = await this.env.QUEUES.getByName(storeName("queue", dlq)).enqueue(
				dlq,
				[{ body, contentType: row.content_type as ContentType, delaySeconds: 0 }],
				queueLimits(this.env),
			);
			if (!sent.ok) console.error(JSON.stringify({ at: "queue.dlq", dlq, message: row.id, error: sent.error.message }));
		} else {
			console.warn(JSON.stringify({ at: "queue.dropped", queue: consumer.queue, message: row.id, attempts }));
		}
		this.#remove(row.id);
	}

	#remove(id: string): void {
		this.ctx.storage.sql.exec("DELETE FROM messages WHERE id = ?1", id);
		this.ctx.storage.kv.delete(`b:${id}`);
	}

	async #reschedule(): Promise<void> {
		const next = this.ctx.storage.sql
			.exec<{ at: number | null }>("SELECT MIN(visible_at) AS at FROM messages")
			.one().at;
		if (next === null) await this.ctx.storage.deleteAlarm();
		else await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
	}
}

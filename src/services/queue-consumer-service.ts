import { auditEntry, recordAudit } from "../audit-log/record";
import { ApiError } from "../errors/api-error";
import { deleteConsumer, putConsumer, type QueueConsumer } from "../storage/queue-consumers";
import { auditActor, type ChangeContext } from "./change-context";

export interface ConsumerConfig {
	script_name: string;
	settings: Record<string, unknown>;
	dead_letter_queue: string | null;
}

/** The settings wrangler sends (`[[queues.consumers]]`, `queues consumer add`), bounded as Cloudflare bounds them. */
const BOUNDS: Record<string, [number, number]> = {
	batch_size: [1, 100],
	max_retries: [0, 100],
	max_wait_time_ms: [0, 60_000],
	max_concurrency: [1, 250],
	retry_delay: [0, 43_200],
};

function checkSettings(settings: Record<string, unknown>): Record<string, number> {
	const out: Record<string, number> = {};
	for (const [name, value] of Object.entries(settings)) {
		const bounds = BOUNDS[name];
		if (!bounds) continue;
		if (typeof value !== "number" || !Number.isInteger(value) || value < bounds[0] || value > bounds[1]) {
			throw new ApiError("invalid_request", `${name} must be a whole number from ${bounds[0]} to ${bounds[1]}.`);
		}
		out[name] = value;
	}
	return out;
}

/** Adds a queue's consumer, or changes the settings of the one that Worker already has. Audited. */
export async function putQueueConsumer(
	ctx: ChangeContext,
	queue: string,
	config: ConsumerConfig,
	consumerId?: string,
): Promise<QueueConsumer> {
	const consumer = await putConsumer(
		ctx.env.DB,
		{
			consumer_id: consumerId ?? ctx.deps.ids.uuid().replaceAll("-", ""),
			queue,
			script_name: config.script_name,
			settings: checkSettings(config.settings),
			dead_letter_queue: config.dead_letter_queue,
		},
		ctx.deps.clock.now().toISOString(),
	);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "queue.consumer.put",
			outcome: "success",
			worker: config.script_name,
			target_type: "resource",
			target_id: `queue:${queue}`,
			details: { settings: consumer.settings, dead_letter_queue: consumer.dead_letter_queue },
		}),
	);
	return consumer;
}

export async function deleteQueueConsumer(ctx: ChangeContext, queue: string, consumerId: string): Promise<void> {
	if (!(await deleteConsumer(ctx.env.DB, queue, consumerId))) {
		throw new ApiError("not_found", `Queue ${queue} has no consumer ${consumerId}.`);
	}
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "queue.consumer.delete",
			outcome: "success",
			target_type: "resource",
			target_id: `queue:${queue}`,
			details: { consumer_id: consumerId },
		}),
	);
}

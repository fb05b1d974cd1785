import { auditEntry, recordAudit } from "../audit-log/record";
import { ApiError } from "../errors/api-error";
import { idProblem, storeName } from "../runtime/resource-ids";
import { deleteConsumer, getConsumer, putConsumer, type QueueConsumer } from "../storage/queue-consumers";
import { auditActor, type ChangeContext } from "./change-context";
import { requireWorker } from "./lookups";

export interface ConsumerSettings {
	worker: string;
	batch_size?: number;
	max_retries?: number;
	max_wait_time_ms?: number;
	retry_delay?: number;
	dead_letter_queue?: string | null;
}

/**
 * Makes `settings.worker` the consumer of `queue` (replacing any other: a queue has one), as `wrangler deploy` with
 * `[[queues.consumers]]` and `wrangler queues consumer add` do; then the queue delivers what is due.
 */
export async function setQueueConsumer(
	ctx: ChangeContext,
	queue: string,
	settings: ConsumerSettings,
): Promise<QueueConsumer> {
	const problem =
		idProblem("queue", queue) ?? (settings.dead_letter_queue ? idProblem("queue", settings.dead_letter_queue) : null);
	if (problem) throw ApiError.because("invalid_request", "binding_unsupported", problem);
	if (settings.dead_letter_queue === queue) {
		throw new ApiError("invalid_request", `Queue ${queue} cannot be its own dead-letter queue.`);
	}
	await requireWorker(ctx.env.DB, settings.worker);
	const current = await getConsumer(ctx.env.DB, queue);
	const consumer: QueueConsumer = {
		queue,
		consumer_id: current?.worker === settings.worker ? current.consumer_id : ctx.deps.ids.uuid().replaceAll("-", ""),
		worker: settings.worker,
		batch_size: settings.batch_size ?? 10,
		max_retries: settings.max_retries ?? 3,
		max_wait_time_ms: settings.max_wait_time_ms ?? 5000,
		retry_delay: settings.retry_delay ?? 0,
		dead_letter_queue: settings.dead_letter_queue ?? null,
		created_on: current?.created_on ?? ctx.deps.clock.now().toISOString(),
	};
	await putConsumer(ctx.env.DB, consumer);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "queue.consumer.set",
			outcome: "success",
			target_type: "resource",
			target_id: `queue:${queue}`,
			worker: settings.worker,
			details: { ...consumer },
		}),
	);
	await ctx.env.QUEUES.getByName(storeName("queue", queue)).kick();
	return consumer;
}

export async function removeQueueConsumer(ctx: ChangeContext, queue: string, consumerId: string): Promise<void> {
	const removed = await deleteConsumer(ctx.env.DB, queue, consumerId);
	if (!removed) throw new ApiError("not_found", `Queue ${queue} has no consumer ${consumerId}.`);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "queue.consumer.remove",
			outcome: "success",
			target_type: "resource",
			target_id: `queue:${queue}`,
			details: { consumer_id: consumerId },
		}),
	);
}

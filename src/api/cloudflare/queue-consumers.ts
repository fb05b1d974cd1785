import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { guard, type RoutePolicy } from "../../auth/route-policy";
import type { AppEnv } from "../../http/app-env";
import { removeQueueConsumer, setQueueConsumer } from "../../services/queue-consumer-service";
import type { QueueConsumer } from "../../storage/queue-consumers";
import { cloudflareContext } from "./context";
import { ok } from "./envelope";
import { jsonBody } from "./request";

const CONSUMERS: RoutePolicy = { scope: "resources", on: "account", action: "queue.consumer" };

/** What wrangler sends for a consumer (`queues consumer add`, and `wrangler deploy` with `[[queues.consumers]]`). */
const ConsumerBody = z.looseObject({
	script_name: z.string().min(1).max(63),
	type: z.literal("worker").default("worker"),
	dead_letter_queue: z.string().min(1).max(63).optional(),
	settings: z
		.looseObject({
			batch_size: z.number().int().min(1).max(100).optional(),
			max_retries: z.number().int().min(0).max(100).optional(),
			max_wait_time_ms: z.number().int().min(0).max(60_000).optional(),
			retry_delay: z.number().int().min(0).max(43_200).optional(),
		})
		.optional(),
});

function present(consumer: QueueConsumer) {
	return {
		consumer_id: consumer.consumer_id,
		queue_name: consumer.queue,
		script: consumer.worker,
		type: "worker",
		dead_letter_queue: consumer.dead_letter_queue ?? undefined,
		created_on: consumer.created_on,
		settings: {
			batch_size: consumer.batch_size,
			max_retries: consumer.max_retries,
			max_wait_time_ms: consumer.max_wait_time_ms,
			retry_delay: consumer.retry_delay,
		},
	};
}

/**
 * Queue consumers (mounted at /accounts/:account_id/queues/:queue_id/consumers). The queue is named by its resource
 * id, its name (src/core/bindings.ts `boundResource`); delivery is src/runtime/queue.
 */
export const queueConsumers = new Hono<AppEnv>()
	.post("/", guard(CONSUMERS), async (c) => {
		const body = await jsonBody(c, ConsumerBody);
		const queue = c.req.param("queue_id") ?? "";
		const consumer = await setQueueConsumer(cloudflareContext(c), queue, {
			worker: body.script_name,
			...body.settings,
			dead_letter_queue: body.dead_letter_queue ?? null,
		});
		return ok(c, present(consumer));
	})
	.put("/:consumer_id", guard(CONSUMERS), async (c) => {
		const body = await jsonBody(c, ConsumerBody);
		const queue = c.req.param("queue_id") ?? "";
		const consumer = await setQueueConsumer(cloudflareContext(c), queue, {
			worker: body.script_name,
			...body.settings,
			dead_letter_queue: body.dead_letter_queue ?? null,
		});
		return ok(c, present(consumer));
	})
	.delete("/:consumer_id", guard(CONSUMERS), async (c) => {
		await removeQueueConsumer(cloudflareContext(c), c.req.param("queue_id") ?? "", c.req.param("consumer_id"));
		return ok(c, null);
	});

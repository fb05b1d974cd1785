import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../../http/app-env";
import { removeQueueConsumer, setQueueConsumer } from "../../../services/queue-consumer-service";
import { liveResource } from "../../../services/resource-data";
import { addResource, deleteResource } from "../../../services/resource-service";
import { listConsumers, type QueueConsumer } from "../../../storage/queue-consumers";
import {
	activeBindersOfType,
	countResources,
	getLiveResourceByName,
	getResourceByApiId,
	pageResources,
	type ResourceRecord,
} from "../../../storage/resources";
import { cloudflareContext } from "../context";
import { CF, CloudflareError, ok } from "../envelope";
import { jsonBody } from "../request";
import { forceOf, inTermsOf, paging, resourceGuard } from "./shared";

const consumerView = (consumer: QueueConsumer) => ({
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
});

/** Queues as Cloudflare shows them; wrangler needs the two counts as numbers. */
async function present(env: Env, queues: ResourceRecord[]) {
	const producers = await activeBindersOfType(env.DB, "queue");
	const consumers = await listConsumers(
		env.DB,
		queues.map((q) => q.id),
	);
	return queues.map((q) => {
		const mine = consumers.filter((consumer) => consumer.queue === q.id);
		const scripts = producers.get(q.id) ?? [];
		return {
			queue_id: q.api_id,
			queue_name: q.id,
			created_on: q.created_on,
			modified_on: q.created_on,
			producers_total_count: scripts.length,
			producers: scripts.map((script) => ({ type: "worker", script })),
			consumers_total_count: mine.length,
			consumers: mine.map(consumerView),
			settings: {},
		};
	});
}

const live = (c: Context<AppEnv>) =>
	inTermsOf("queue", () => liveResource(c.env.DB, "queue", c.req.param("queue_id") ?? ""));

/**
 * The queue a consumer route names: by its Cloudflare id, or by its name (which is what bindings and delivery use,
 * src/runtime/queue). A name no resource has yet is taken as it is: bindings register queues on first use too.
 */
async function queueNamed(c: Context<AppEnv>): Promise<string> {
	const param = c.req.param("queue_id") ?? "";
	const byId = await getResourceByApiId(c.env.DB, "queue", param);
	if (byId && byId.deleted_on === null) return byId.id;
	const byName = await getLiveResourceByName(c.env.DB, "queue", param);
	return byName?.id ?? param;
}

/** What wrangler sends for a consumer (`queues consumer add`, and `wrangler deploy` with `[[queues.consumers]]`). */
const ConsumerBody = z.looseObject({
	script_name: z.string().min(1).max(63).optional(),
	script: z.string().min(1).max(63).optional(),
	type: z.literal("worker").optional(),
	dead_letter_queue: z.string().min(1).max(63).optional(),
	settings: z
		.looseObject({
			batch_size: z.number().int().min(1).max(100).optional(),
			max_retries: z.number().int().min(0).max(100).optional(),
			max_wait_time_ms: z.number().int().min(0).max(60_000).optional(),
			max_concurrency: z.number().int().min(1).max(250).optional(),
			retry_delay: z.number().int().min(0).max(43_200).optional(),
		})
		.optional(),
});

function consumerSettings(body: z.infer<typeof ConsumerBody>) {
	const worker = body.script_name ?? body.script;
	if (!worker) throw new CloudflareError(CF.validation, "Name the consumer Worker in script_name.");
	const { batch_size, max_retries, max_wait_time_ms, retry_delay } = body.settings ?? {};
	return {
		worker,
		batch_size,
		max_retries,
		max_wait_time_ms,
		retry_delay,
		dead_letter_queue: body.dead_letter_queue ?? null,
	};
}

/** `/accounts/:account_id/queues`: `wrangler queues create|list|delete`, consumers as wrangler configures them. */
export const queues = new Hono<AppEnv>()
	.post("/", resourceGuard("resource.create"), async (c) => {
		const body = await jsonBody(c, z.looseObject({ queue_name: z.string() }));
		const { record } = await inTermsOf("queue", () =>
			addResource(cloudflareContext(c), { type: "queue", name: body.queue_name }),
		);
		return ok(c, (await present(c.env, [record]))[0]);
	})
	// Lookups by name (`?name=` may repeat) must filter, or wrangler acts on the first queue it is given.
	.get("/", resourceGuard("resource.list"), async (c) => {
		const { page, per_page } = paging(c, { per_page: 100, max: 1000 });
		const names = [...new Set(c.req.queries("name") ?? [])].slice(0, 100);
		let items: ResourceRecord[];
		let total: number;
		if (names.length > 0) {
			const found = await Promise.all(names.map((n) => getLiveResourceByName(c.env.DB, "queue", n)));
			items = page === 1 ? found.filter((q): q is ResourceRecord => q !== null) : [];
			total = items.length;
		} else {
			items = await pageResources(c.env.DB, { type: "queue", page, per_page });
			total = await countResources(c.env.DB, "queue");
		}
		return c.json({
			success: true,
			errors: [],
			messages: [],
			result: await present(c.env, items),
			result_info: { page, per_page, count: items.length, total_count: total },
		});
	})
	.get("/:queue_id", resourceGuard("resource.read"), async (c) => ok(c, (await present(c.env, [await live(c)]))[0]))
	.delete("/:queue_id", resourceGuard("resource.delete"), async (c) => {
		const record = await live(c);
		const force = forceOf(c);
		await inTermsOf("queue", () => deleteResource(cloudflareContext(c), { type: "queue", id: record.id }, { force }));
		return ok(c, null);
	})
	.get("/:queue_id/consumers", resourceGuard("resource.read"), async (c) => {
		const queue = await queueNamed(c);
		return ok(c, (await listConsumers(c.env.DB, [queue])).map(consumerView));
	})
	.post("/:queue_id/consumers", resourceGuard("queue.consumer"), async (c) => {
		const queue = await queueNamed(c);
		const settings = consumerSettings(await jsonBody(c, ConsumerBody));
		return ok(c, consumerView(await setQueueConsumer(cloudflareContext(c), queue, settings)));
	})
	.put("/:queue_id/consumers/:consumer_id", resourceGuard("queue.consumer"), async (c) => {
		const queue = await queueNamed(c);
		const settings = consumerSettings(await jsonBody(c, ConsumerBody));
		const id = c.req.param("consumer_id");
		const [existing] = await listConsumers(c.env.DB, [queue]);
		if (existing?.consumer_id !== id) throw new CloudflareError(11000, `Queue ${queue} has no consumer ${id}.`, 404);
		return ok(c, consumerView(await setQueueConsumer(cloudflareContext(c), queue, settings)));
	})
	.delete("/:queue_id/consumers/:consumer_id", resourceGuard("queue.consumer"), async (c) => {
		const queue = await queueNamed(c);
		await removeQueueConsumer(cloudflareContext(c), queue, c.req.param("consumer_id"));
		return ok(c, null);
	});

import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../../http/app-env";
import { deleteQueueConsumer, putQueueConsumer } from "../../../services/queue-consumer-service";
import { liveResource } from "../../../services/resource-data";
import { addResource, deleteResource } from "../../../services/resource-service";
import { listConsumers, type QueueConsumer } from "../../../storage/queue-consumers";
import {
	activeBindersOfType,
	countResources,
	getLiveResourceByName,
	pageResources,
	type ResourceRecord,
} from "../../../storage/resources";
import { cloudflareContext } from "../context";
import { CF, CloudflareError, ok } from "../envelope";
import { jsonBody } from "../request";
import { forceOf, inTermsOf, paging, resourceGuard } from "./shared";

const consumerView = (c: QueueConsumer) => ({
	consumer_id: c.consumer_id,
	type: "worker",
	script: c.script_name,
	settings: c.settings,
	dead_letter_queue: c.dead_letter_queue ?? undefined,
	created_on: c.created_on,
});

/** Queues as Cloudflare shows them; wrangler needs the two counts as numbers. */
async function present(env: Env, queues: ResourceRecord[]) {
	const producers = await activeBindersOfType(env.DB, "queue");
	const consumers = await listConsumers(
		env.DB,
		queues.map((q) => q.id),
	);
	return queues.map((q) => {
		const mine = consumers.filter((c) => c.queue === q.id);
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

const Consumer = z.looseObject({
	script_name: z.string().min(1).max(63).optional(),
	script: z.string().min(1).max(63).optional(),
	type: z.literal("worker").optional(),
	settings: z.record(z.string(), z.unknown()).optional(),
	dead_letter_queue: z.string().max(63).optional(),
});

function consumerConfig(body: z.infer<typeof Consumer>) {
	const script = body.script_name ?? body.script;
	if (!script) throw new CloudflareError(CF.validation, "Name the consumer Worker in script_name.");
	return { script_name: script, settings: body.settings ?? {}, dead_letter_queue: body.dead_letter_queue ?? null };
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
		const record = await live(c);
		return ok(c, (await listConsumers(c.env.DB, [record.id])).map(consumerView));
	})
	.post("/:queue_id/consumers", resourceGuard("resource.create"), async (c) => {
		const record = await live(c);
		const config = consumerConfig(await jsonBody(c, Consumer));
		return ok(c, consumerView(await putQueueConsumer(cloudflareContext(c), record.id, config)));
	})
	.put("/:queue_id/consumers/:consumer_id", resourceGuard("resource.create"), async (c) => {
		const record = await live(c);
		const config = consumerConfig(await jsonBody(c, Consumer));
		const id = c.req.param("consumer_id");
		const existing = (await listConsumers(c.env.DB, [record.id])).find((x) => x.consumer_id === id);
		if (!existing) throw new CloudflareError(11000, `Queue ${record.id} has no consumer ${id}.`, 404);
		if (existing.script_name !== config.script_name) {
			throw new CloudflareError(CF.validation, "A consumer's Worker cannot change: remove it and add another.");
		}
		return ok(c, consumerView(await putQueueConsumer(cloudflareContext(c), record.id, config, id)));
	})
	.delete("/:queue_id/consumers/:consumer_id", resourceGuard("resource.delete"), async (c) => {
		const record = await live(c);
		await deleteQueueConsumer(cloudflareContext(c), record.id, c.req.param("consumer_id"));
		return ok(c, null);
	});

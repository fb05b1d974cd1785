import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { EVENT_TYPES } from "../../notifications/events";
import { createWebhook, deleteWebhook } from "../../services/webhook-service";
import { decodeCursor, encodeCursor } from "../../storage/pagination";
import { getWebhook, listDeliveries, listWebhooks, withoutSealed } from "../../storage/webhooks";
import { errorResponses, IdParam } from "./schemas";

const tags = ["Webhooks"];

const WebhookSchema = z
	.object({
		id: z.string(),
		format: z.enum(["standard", "slack"]),
		url: z.string().openapi({ description: "With anything secret in it hidden" }),
		events: z.array(z.string()),
		workers: z.array(z.string()).nullable().openapi({ description: "Worker patterns; null: every Worker" }),
		description: z.string().nullable(),
		created_on: z.string(),
		created_by: z.string(),
		deleted_on: z.string().nullable(),
	})
	.openapi("Webhook");

const CreateWebhookSchema = z
	.strictObject({
		url: z.string().min(1).max(2048).openapi({ example: "https://hooks.example.com/shiplog" }),
		events: z
			.array(z.enum(["*", ...EVENT_TYPES]))
			.min(1)
			.openapi({ description: `Event types, or "*": ${EVENT_TYPES.join(", ")}` }),
		workers: z
			.array(z.string().max(64))
			.min(1)
			.max(50)
			.optional()
			.openapi({ example: ["checkout-*"] }),
		format: z.enum(["standard", "slack"]).optional().openapi({
			description: "standard: Standard Webhooks, signed; slack: an incoming-webhook URL (default for hooks.slack.com)",
		}),
		description: z.string().max(500).optional(),
	})
	.openapi("CreateWebhook");

const AttemptSchema = z.object({
	attempt: z.number().int(),
	at: z.string(),
	response_status: z.number().int().nullable(),
	error: z.string().nullable(),
	duration_ms: z.number().int(),
});

const DeliverySchema = z
	.object({
		id: z.string(),
		event_id: z.string().openapi({ description: "Sent as webhook-id" }),
		event_type: z.string(),
		status: z.enum(["pending", "delivered", "failed"]),
		attempts: z.array(AttemptSchema),
		next_attempt_on: z.string().nullable(),
		created_on: z.string(),
		finished_on: z.string().nullable(),
	})
	.openapi("WebhookDelivery");

const present = (record: Parameters<typeof withoutSealed>[0]) => {
	const { url_display, cursor: _cursor, ...rest } = withoutSealed(record);
	return { ...rest, url: url_display };
};

const idParams = z.object({ id: IdParam("id") });

const createWebhookRoute = createRoute({
	method: "post",
	path: "/",
	tags,
	...needs("admin", "webhook.create", "account"),
	summary: "Add a receiver; a Standard Webhooks receiver's signing secret is shown once",
	request: { body: { content: { "application/json": { schema: CreateWebhookSchema } }, required: true } },
	responses: {
		201: {
			description: "The webhook, and its signing secret (only now)",
			content: {
				"application/json": {
					schema: WebhookSchema.extend({ secret: z.string().nullable() }).openapi("CreatedWebhook"),
				},
			},
		},
		...errorResponses(400, 401, 403, 503),
	},
});

const listRoute = createRoute({
	method: "get",
	path: "/",
	tags,
	...needs("admin", "webhook.list", "account"),
	summary: "Webhooks",
	responses: {
		200: {
			description: "Oldest first",
			content: { "application/json": { schema: z.object({ items: z.array(WebhookSchema) }) } },
		},
		...errorResponses(401, 403),
	},
});

const getRoute = createRoute({
	method: "get",
	path: "/{id}",
	tags,
	...needs("admin", "webhook.read", "account"),
	summary: "One webhook",
	request: { params: idParams },
	responses: {
		200: { description: "The webhook", content: { "application/json": { schema: WebhookSchema } } },
		...errorResponses(400, 401, 403, 404),
	},
});

const deleteRoute = createRoute({
	method: "delete",
	path: "/{id}",
	tags,
	...needs("admin", "webhook.delete", "account"),
	summary: "Stop delivering to a receiver (its delivery history stays)",
	request: { params: idParams },
	responses: {
		200: { description: "The deleted webhook", content: { "application/json": { schema: WebhookSchema } } },
		...errorResponses(400, 401, 403, 404),
	},
});

const deliveriesRoute = createRoute({
	method: "get",
	path: "/{id}/deliveries",
	tags,
	...needs("admin", "webhook.read", "account"),
	summary: "Every message to this receiver and every attempt, newest event first",
	request: {
		params: idParams,
		query: z.object({
			cursor: z.string().max(64).optional(),
			limit: z.coerce.number().int().min(1).max(100).default(20),
		}),
	},
	responses: {
		200: {
			description: "A page of deliveries",
			content: {
				"application/json": {
					schema: z
						.object({ items: z.array(DeliverySchema), next_cursor: z.string().nullable() })
						.openapi("WebhookDeliveryPage"),
				},
			},
		},
		...errorResponses(400, 401, 403, 404),
	},
});

async function requireWebhook(db: D1Database, id: string) {
	const webhook = await getWebhook(db, id);
	if (!webhook) throw new ApiError("not_found", `No webhook has the id ${id}.`);
	return webhook;
}

export const webhooksRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(createWebhookRoute, async (c) => {
		const { record, secret } = await createWebhook(changeContext(c), c.req.valid("json"));
		c.header("Cache-Control", "no-store");
		return c.json({ ...present(record), secret }, 201);
	})
	.openapi(listRoute, async (c) => c.json({ items: (await listWebhooks(c.env.DB, false)).map(present) }, 200))
	.openapi(getRoute, async (c) => c.json(present(await requireWebhook(c.env.DB, c.req.valid("param").id)), 200))
	.openapi(deleteRoute, async (c) =>
		c.json(present(await deleteWebhook(changeContext(c), c.req.valid("param").id)), 200),
	)
	.openapi(deliveriesRoute, async (c) => {
		const { id } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		await requireWebhook(c.env.DB, id);
		const rows = await listDeliveries(c.env.DB, id, decodeCursor(cursor), limit + 1);
		const page = rows.slice(0, limit);
		const last = page.at(-1);
		return c.json(
			{
				items: page.map((d) => ({
					id: d.id,
					event_id: d.event_id,
					event_type: d.event_type,
					status: d.status,
					attempts: d.attempt_log.map(({ delivery_id: _d, ...a }) => a),
					next_attempt_on: d.next_attempt_on,
					created_on: d.created_on,
					finished_on: d.finished_on,
				})),
				next_cursor: rows.length > limit && last ? encodeCursor(last.event_seq) : null,
			},
			200,
		);
	});

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { resourceUsage } from "../../runtime/resource-stores";
import { addResource, deleteResource } from "../../services/resource-service";
import { activeBinders, getResource, listResources } from "../../storage/resources";
import { AuthorSchema, errorResponses } from "./schemas";

const tags = ["Resources"];

const ResourceTypeSchema = z.enum(["kv_namespace", "r2_bucket", "queue", "d1"]).openapi({
	description: "kv_namespace (namespace_id), r2_bucket (bucket_name), queue (queue_name), d1 (database_id)",
});
const ResourceIdSchema = z.string().min(1).max(256).openapi({ example: "0f2ac74b498b48028cb68387c421e279" });

const ResourceSchema = z
	.object({
		type: ResourceTypeSchema,
		id: ResourceIdSchema,
		name: z.string().nullable().openapi({
			description: "KV title, D1 name, bucket or queue name; null when only a version's binding named it",
		}),
		api_id: z.string().openapi({ description: "The id in Cloudflare's API paths: a queue's queue_id, else the id" }),
		created_on: z.string(),
		registered_by: z.string().openapi({ description: "api, or worker:<name> when a version's binding registered it" }),
		author: AuthorSchema.nullable().openapi({ description: "Who registered it (null for rows older than authors)" }),
		deleted_on: z.string().nullable(),
		deleted_by: AuthorSchema.nullable(),
	})
	.openapi("Resource");

const listRoute = createRoute({
	method: "get",
	path: "/",
	tags,
	...needs("resources", "resource.list", "account"),
	summary: "Registered resources that bindings point at",
	request: {
		query: z.object({
			type: ResourceTypeSchema.optional(),
			include_deleted: z
				.enum(["true", "false"])
				.default("false")
				.transform((v) => v === "true"),
		}),
	},
	responses: {
		200: {
			description: "Resources by type and id",
			content: { "application/json": { schema: z.object({ items: z.array(ResourceSchema) }) } },
		},
		...errorResponses(400, 401),
	},
});

const registerRoute = createRoute({
	method: "post",
	path: "/",
	tags,
	...needs("resources", "resource.register", "account"),
	summary: "Create a resource by name, or register one by id (or register again one that was deleted)",
	description:
		"With `name` alone a new resource is created (a KV namespace or D1 database gets a new id; a bucket or queue is its name), refused with 409 when a live one has that name. With `id`, that id is registered, and 200 says it already was.",
	request: {
		body: {
			content: {
				"application/json": {
					schema: z.strictObject({
						type: ResourceTypeSchema,
						id: ResourceIdSchema.optional(),
						name: z.string().min(1).max(512).optional().openapi({ example: "sessions" }),
					}),
				},
			},
			required: true,
		},
	},
	responses: {
		200: { description: "It was already registered", content: { "application/json": { schema: ResourceSchema } } },
		201: { description: "Created or registered", content: { "application/json": { schema: ResourceSchema } } },
		...errorResponses(400, 401, 409),
	},
});

const ResourceParams = z.object({
	type: ResourceTypeSchema.openapi({ param: { name: "type", in: "path" } }),
	id: ResourceIdSchema.openapi({ param: { name: "id", in: "path" } }),
});

const showRoute = createRoute({
	method: "get",
	path: "/{type}/{id}",
	tags,
	...needs("resources", "resource.read", "account"),
	summary: "One resource: what it holds and which Workers' active deployments bind it",
	request: { params: ResourceParams },
	responses: {
		200: {
			description: "The resource",
			content: {
				"application/json": {
					schema: ResourceSchema.extend({
						usage: z.object({ bytes: z.number(), items: z.number().nullable() }).nullable().openapi({
							description: "Bytes held (what the storage limit measures) and keys/objects; null for queues",
						}),
						bound_by: z.array(z.string()).openapi({ description: "Workers whose active deployment binds it" }),
					}),
				},
			},
		},
		...errorResponses(400, 401, 404),
	},
});

const deleteRoute = createRoute({
	method: "delete",
	path: "/{type}/{id}",
	tags,
	...needs("resources", "resource.delete", "account"),
	summary: "Delete a resource and its data: deploys that bind it, and rollbacks to versions that bind it, are refused",
	description:
		"Refused with 409 (details.workers) while an active deployment binds it, unless ?force=true. The row is kept, marked deleted.",
	request: {
		params: ResourceParams,
		query: z.object({
			force: z
				.enum(["true", "false"])
				.default("false")
				.transform((v) => v === "true"),
		}),
	},
	responses: {
		200: { description: "The resource, marked deleted", content: { "application/json": { schema: ResourceSchema } } },
		...errorResponses(400, 401, 404, 409),
	},
});

export const resourcesRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(listRoute, async (c) => {
		const { type, include_deleted } = c.req.valid("query");
		return c.json({ items: await listResources(c.env.DB, { type, include_deleted }) }, 200);
	})
	.openapi(registerRoute, async (c) => {
		const { record, created } = await addResource(changeContext(c), c.req.valid("json"));
		return created ? c.json(record, 201) : c.json(record, 200);
	})
	.openapi(showRoute, async (c) => {
		const { type, id } = c.req.valid("param");
		const record = await getResource(c.env.DB, type, id);
		if (!record) throw ApiError.because("not_found", "resource_not_found", `No ${type} ${id} is registered.`);
		const live = record.deleted_on === null;
		const usage = live && type !== "queue" ? await resourceUsage(c.env, type, id) : null;
		return c.json({ ...record, usage, bound_by: await activeBinders(c.env.DB, record) }, 200);
	})
	.openapi(deleteRoute, async (c) => {
		const { force } = c.req.valid("query");
		return c.json(await deleteResource(changeContext(c), c.req.valid("param"), { force }), 200);
	});

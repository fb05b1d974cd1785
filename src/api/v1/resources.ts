import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { addResource, deleteResource } from "../../services/resource-service";
import { listResources } from "../../storage/resources";
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
	summary: "Register a resource (or register again one that was deleted and exists again)",
	request: {
		body: {
			content: { "application/json": { schema: z.strictObject({ type: ResourceTypeSchema, id: ResourceIdSchema }) } },
			required: true,
		},
	},
	responses: {
		200: { description: "It was already registered", content: { "application/json": { schema: ResourceSchema } } },
		201: { description: "Registered", content: { "application/json": { schema: ResourceSchema } } },
		...errorResponses(400, 401),
	},
});

const deleteRoute = createRoute({
	method: "delete",
	path: "/{type}/{id}",
	tags,
	...needs("resources", "resource.delete", "account"),
	summary:
		"Record that a resource was deleted: deploys that bind it, and rollbacks to versions that bind it, are refused",
	request: {
		params: z.object({
			type: ResourceTypeSchema.openapi({ param: { name: "type", in: "path" } }),
			id: ResourceIdSchema.openapi({ param: { name: "id", in: "path" } }),
		}),
	},
	responses: {
		200: { description: "The resource, marked deleted", content: { "application/json": { schema: ResourceSchema } } },
		...errorResponses(400, 401, 404),
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
	.openapi(deleteRoute, async (c) => {
		return c.json(await deleteResource(changeContext(c), c.req.valid("param")), 200);
	});

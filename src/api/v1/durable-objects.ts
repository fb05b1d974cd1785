import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import type { AppEnv } from "../../http/app-env";
import { validationHook } from "../../http/errors";
import { workerClasses } from "../../services/durable-object-classes";
import { requireWorker } from "../../services/lookups";
import { errorResponses, WorkerNameParam } from "./schemas";

const tags = ["Durable Objects"];

export const DurableObjectClassSchema = z
	.object({
		class_name: z.string().openapi({ description: "The class's name now (after any renames)", example: "Room" }),
		storage_id: z.string().openapi({
			description: "Where its objects live: kept across renames, new for a class created again after a delete",
			example: "5e9c2b7a-3f4d-4e2a-9a61-0c1d2e3f4a5b:Room",
		}),
		state: z.enum(["active", "deleted"]).openapi({ description: "deleted: a migration deleted it, and its data" }),
		created_as: z
			.string()
			.nullable()
			.openapi({ description: "The name it was created with; differs from class_name once renamed" }),
		created_on: z.string().openapi({ example: "2026-11-30T10:00:00.000Z" }),
		created_version_id: z.string().openapi({ description: "The version whose migrations created it" }),
		created_deployment_id: z.string().nullable().openapi({ description: "The deploy that created it" }),
		deleted_on: z.string().nullable(),
		deleted_version_id: z.string().nullable(),
		deleted_deployment_id: z.string().nullable(),
		destroyed_on: z
			.string()
			.nullable()
			.openapi({ description: "When the deleted class's objects and storage were gone" }),
		usage: z
			.object({
				objects: z.number().int().openapi({ description: "Objects of the class ever reached" }),
				bytes: z.number().int().openapi({
					description: "Their SQLite databases' size, as each object last reported it after a call",
				}),
			})
			.nullable()
			.openapi({ description: "null for a deleted class" }),
	})
	.openapi("DurableObjectClass");

export type DurableObjectClassView = z.infer<typeof DurableObjectClassSchema>;

const listRoute = createRoute({
	method: "get",
	path: "/{name}/durable-objects",
	tags,
	...needs("read", "worker.read"),
	summary: "The Worker's Durable Object classes, live and deleted, with their objects and bytes",
	request: { params: z.object({ name: WorkerNameParam }) },
	responses: {
		200: {
			description: "Every class the Worker's migrations created, oldest first",
			content: {
				"application/json": {
					schema: z.object({ items: z.array(DurableObjectClassSchema) }).openapi("DurableObjectClasses"),
				},
			},
		},
		...errorResponses(400, 401, 404),
	},
});

export const durableObjectsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
	listRoute,
	async (c) => {
		const { name } = c.req.valid("param");
		await requireWorker(c.env.DB, name);
		return c.json({ items: await workerClasses(c.env, name) }, 200);
	},
);

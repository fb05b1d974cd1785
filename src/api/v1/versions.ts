import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { guard, needs } from "../../auth/route-policy";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { validationHook } from "../../http/errors";
import { requireVersion, requireWorker } from "../../services/lookups";
import { getModule } from "../../storage/modules";
import { decodeCursor } from "../../storage/pagination";
import { listVersions } from "../../storage/versions";
import { errorResponses, IdParam, PageQuery, pageOf, presentVersion, VersionSchema, WorkerNameParam } from "./schemas";

const tags = ["Versions"];

const listRoute = createRoute({
	method: "get",
	path: "/{name}/versions",
	tags,
	...needs("read", "worker.read"),
	summary: "Versions of a Worker, newest first",
	request: {
		params: z.object({ name: WorkerNameParam }),
		query: PageQuery(10),
	},
	responses: {
		200: {
			description: "A page of versions",
			content: {
				"application/json": { schema: pageOf(VersionSchema, "VersionPage") },
			},
		},
		...errorResponses(400, 401, 404),
	},
});

const getRoute = createRoute({
	method: "get",
	path: "/{name}/versions/{version_id}",
	tags,
	...needs("read", "worker.read"),
	summary: "One version: metadata, modules and bindings (secret values are never shown)",
	request: {
		params: z.object({
			name: WorkerNameParam,
			version_id: IdParam("version_id"),
		}),
	},
	responses: {
		200: {
			description: "The version",
			content: { "application/json": { schema: VersionSchema } },
		},
		...errorResponses(400, 401, 404),
	},
});

const moduleRoute = createRoute({
	method: "get",
	path: "/{name}/versions/{version_id}/modules/{module}",
	tags,
	...needs("read", "worker.read"),
	summary: "A module's source, with its content type",
	request: {
		params: z.object({
			name: WorkerNameParam,
			version_id: IdParam("version_id"),
			module: z
				.string()
				.min(1)
				.max(256)
				.openapi({
					param: { name: "module", in: "path" },
					example: "index.js",
				}),
		}),
	},
	responses: {
		200: {
			description: "The module body",
			content: {
				"application/octet-stream": {
					schema: { type: "string", format: "binary" },
				},
			},
		},
		...errorResponses(400, 401, 404),
	},
});

export const versionsRouter = new OpenAPIHono<AppEnv>({
	defaultHook: validationHook,
})
	.openapi(listRoute, async (c) => {
		const { name } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		await requireWorker(c.env.DB, name);
		const page = await listVersions(c.env.DB, name, limit, decodeCursor(cursor));
		return c.json({ items: page.items.map(presentVersion), next_cursor: page.next_cursor }, 200);
	})
	.openapi(getRoute, async (c) => {
		const { name, version_id } = c.req.valid("param");
		return c.json(presentVersion(await requireVersion(c.env.DB, name, version_id)), 200);
	});

// Module paths may contain "/", which the {module} parameter above cannot match; this catches them.
versionsRouter.get(
	"/:name/versions/:version_id/modules/:module{.+}",
	guard({ scope: "read", on: "worker", action: "worker.read" }),
	async (c) => {
		const params = moduleRoute.request.params.safeParse(c.req.param());
		if (!params.success) throw new ApiError("invalid_request", "Invalid Worker name, version id or module name.");
		const { name, version_id, module } = params.data;
		const version = await requireVersion(c.env.DB, name, version_id);
		const entry = version.modules.find((m) => m.name === module);
		if (!entry) throw new ApiError("not_found", `Version ${version_id} has no module ${module}.`);
		const body = await getModule(c.env.MODULES, entry.sha256);
		if (!body) throw new Error(`R2 is missing module ${entry.sha256} of version ${version_id}`);
		return new Response(body.body, {
			headers: {
				"content-type": entry.content_type,
				"content-length": String(entry.size),
				etag: `"${entry.sha256}"`,
			},
		});
	},
);

// Registered for the OpenAPI document only; the handler above serves it.
versionsRouter.openAPIRegistry.registerPath(moduleRoute);

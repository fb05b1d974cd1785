import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { needs } from "../../auth/route-policy";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { replayed } from "../../http/preconditions";
import { readableWorkers } from "../../services/readable-workers";
import { uploadWorker } from "../../services/upload-service";
import { getActiveDeployment } from "../../storage/deployments";
import { getWorker } from "../../storage/workers";
import {
	errorResponses,
	presentVersion,
	presentWorker,
	UploadBodyDoc,
	UploadResultSchema,
	WorkerNameParam,
	WorkerSchema,
} from "./schemas";

const tags = ["Workers"];

const listRoute = createRoute({
	method: "get",
	path: "/",
	tags,
	...needs("read", "worker.list", "some"),
	summary: "List the managed Workers the caller may read, with their active deployment",
	request: {
		query: z.object({
			after: z.string().max(63).optional().openapi({ description: "Continue after this Worker name" }),
			limit: z.coerce.number().int().min(1).max(100).default(50),
		}),
	},
	responses: {
		200: {
			description: "Workers by name",
			content: {
				"application/json": {
					schema: z.object({
						items: z.array(WorkerSchema),
						next_after: z.string().nullable(),
					}),
				},
			},
		},
		...errorResponses(400, 401, 403),
	},
});

const getRoute = createRoute({
	method: "get",
	path: "/{name}",
	tags,
	...needs("read", "worker.read"),
	summary: "A managed Worker and its active deployment",
	request: { params: z.object({ name: WorkerNameParam }) },
	responses: {
		200: {
			description: "The Worker; ETag is its active deployment id",
			content: { "application/json": { schema: WorkerSchema } },
		},
		...errorResponses(400, 401, 403, 404),
	},
});

const uploadRoute = (method: "put" | "post", path: string, summary: string, action: string) =>
	createRoute({
		method,
		path,
		tags,
		...needs("deploy", action),
		summary,
		request: {
			params: z.object({ name: WorkerNameParam }),
			body: UploadBodyDoc,
		},
		responses: {
			201: {
				description: "Stored",
				content: { "application/json": { schema: UploadResultSchema } },
			},
			...errorResponses(400, 401, 403, 404, 409, 413, 415),
		},
	});

export const etag = (id: string | null | undefined) => (id ? `"${id}"` : undefined);

export const workersRouter = new OpenAPIHono<AppEnv>({
	defaultHook: validationHook,
})
	.openapi(listRoute, async (c) => {
		const { after, limit } = c.req.valid("query");
		const { page, next_after } = await readableWorkers(c.env.DB, c.var.principal.grants, limit, after);
		const items = await Promise.all(
			page.map(async (w) => presentWorker(w, await getActiveDeployment(c.env.DB, w.name))),
		);
		return c.json({ items, next_after }, 200);
	})
	.openapi(getRoute, async (c) => {
		const { name } = c.req.valid("param");
		const worker = await getWorker(c.env.DB, name);
		if (!worker) throw new ApiError("not_found", `No managed Worker is called ${name}.`);
		const active = await getActiveDeployment(c.env.DB, name);
		const tag = etag(active?.id);
		if (tag) c.header("ETag", tag);
		return c.json(presentWorker(worker, active), 200);
	})
	.openapi(
		uploadRoute(
			"put",
			"/{name}",
			"Upload a bundle and deploy it to 100 % (Cloudflare's multipart format)",
			"worker.deploy",
		),
		async (c) => c.json(await upload(c, c.req.valid("param").name, true), 201),
	)
	.openapi(
		uploadRoute("post", "/{name}/versions", "Upload a version without deploying it", "version.upload"),
		async (c) => c.json(await upload(c, c.req.valid("param").name, false), 201),
	);

/** Both upload routes: store the bundle, deploy it or not, and answer with what was recorded. */
async function upload(c: Context<AppEnv>, name: string, deploy: boolean) {
	const outcome = replayed(
		c,
		await uploadWorker(changeContext(c), { worker: name, request: c.req.raw, deploy, bindingsInherit: "strict" }),
	);
	const tag = etag(outcome.deployment?.id);
	if (tag) c.header("ETag", tag);
	return { version: presentVersion(outcome.version), deployment: outcome.deployment };
}

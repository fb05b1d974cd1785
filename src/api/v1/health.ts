import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import { unwrap } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { validationHook } from "../../http/errors";
import { coordinatorFor } from "../../services/coordinator";
import { requireWorker } from "../../services/lookups";
import { errorResponses, WorkerNameParam } from "./schemas";

const VersionHealthSchema = z.object({
	version_id: z.string(),
	requests: z.number().int(),
	errors: z.number().int().openapi({ description: "Responses with status ≥ 500, timeouts and exceptions" }),
	exceptions: z.number().int().openapi({ description: "Errors where the Worker threw or could not start" }),
	error_rate: z.number().openapi({ example: 0.02 }),
});

export const WorkerHealthSchema = z
	.object({
		worker: z.string(),
		window_seconds: z.number(),
		versions: z.array(VersionHealthSchema).openapi({
			description: "Every version that served traffic within the window, across deployments",
		}),
		active_deployment: z
			.object({
				id: z.string(),
				versions: z.array(VersionHealthSchema.extend({ percentage: z.number() })),
			})
			.nullable()
			.openapi({ description: "Counts within the active deployment only: what automatic rollback judges" }),
		auto_rollback: z.object({
			enabled: z.boolean(),
			error_rate_threshold: z.number().nullable(),
			min_requests: z.number().int(),
		}),
	})
	.openapi("WorkerHealth");

const healthRoute = createRoute({
	method: "get",
	path: "/{name}/health",
	tags: ["Health"],
	...needs("read", "worker.read"),
	summary: "Per-version request and error counts at the edge over a sliding window",
	request: { params: z.object({ name: WorkerNameParam }) },
	responses: {
		200: { description: "Health counts", content: { "application/json": { schema: WorkerHealthSchema } } },
		...errorResponses(400, 401, 404),
	},
});

export const healthRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(healthRoute, async (c) => {
	const { name } = c.req.valid("param");
	await requireWorker(c.env.DB, name);
	return c.json(unwrap(await coordinatorFor(c.env, name).health(name)), 200);
});

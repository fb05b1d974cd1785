import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { requireWorker } from "../../services/lookups";
import { putSchedules } from "../../services/schedule-service";
import { getSchedules, listCronRuns } from "../../storage/cron-runs";
import { errorResponses, WorkerNameParam } from "./schemas";

const tags = ["Cron triggers"];
const params = z.object({ name: WorkerNameParam });

const ScheduleSchema = z
	.object({ cron: z.string().openapi({ example: "*/5 * * * *" }), created_on: z.string() })
	.openapi("Schedule");

const SchedulesSchema = z.object({ items: z.array(ScheduleSchema) }).openapi("Schedules");

const CronRunSchema = z
	.object({
		id: z.string(),
		cron: z.string(),
		scheduled_time: z.string().openapi({ description: "The minute the run was due (controller.scheduledTime)" }),
		started_on: z.string(),
		finished_on: z.string().nullable(),
		deployment_id: z.string().nullable(),
		version_id: z.string().nullable().openapi({ description: "The version whose scheduled() ran" }),
		outcome: z.enum(["running", "ok", "exception", "no_handler", "not_deployed", "unavailable"]),
		error: z.string().nullable(),
	})
	.openapi("CronRun");

const listSchedules = createRoute({
	method: "get",
	path: "/{name}/schedules",
	tags,
	...needs("read", "worker.read"),
	summary: "The Worker's cron triggers",
	request: { params },
	responses: {
		200: { description: "Schedules", content: { "application/json": { schema: SchedulesSchema } } },
		...errorResponses(400, 401, 404),
	},
});

const putSchedulesRoute = createRoute({
	method: "put",
	path: "/{name}/schedules",
	tags,
	...needs("deploy", "worker.settings"),
	summary: "Replace the Worker's cron triggers (they run its active deployment's scheduled() handler)",
	request: {
		params,
		body: {
			content: {
				"application/json": { schema: z.object({ crons: z.array(z.string().min(1).max(256)).max(100) }) },
			},
			required: true,
		},
	},
	responses: {
		200: { description: "Schedules now", content: { "application/json": { schema: SchedulesSchema } } },
		...errorResponses(400, 401, 404),
	},
});

const listRuns = createRoute({
	method: "get",
	path: "/{name}/cron-runs",
	tags,
	...needs("read", "worker.read"),
	summary: "Runs of the Worker's cron triggers, newest first: when, which version, what happened",
	request: {
		params,
		query: z.object({
			limit: z.coerce.number().int().min(1).max(100).default(20),
			before: z.coerce.number().int().optional().openapi({ description: "scheduled_time (ms) to page back from" }),
		}),
	},
	responses: {
		200: {
			description: "Runs",
			content: { "application/json": { schema: z.object({ items: z.array(CronRunSchema) }) } },
		},
		...errorResponses(400, 401, 404),
	},
});

const present = (s: { cron: string; created_on: string }) => ({ cron: s.cron, created_on: s.created_on });

export const cronRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(listSchedules, async (c) => {
		const { name } = c.req.valid("param");
		await requireWorker(c.env.DB, name);
		return c.json({ items: (await getSchedules(c.env.DB, name)).map(present) }, 200);
	})
	.openapi(putSchedulesRoute, async (c) => {
		const { name } = c.req.valid("param");
		const { crons } = c.req.valid("json");
		await requireWorker(c.env.DB, name);
		const schedules = await putSchedules(changeContext(c), { worker: name, crons });
		return c.json({ items: schedules.map(present) }, 200);
	})
	.openapi(listRuns, async (c) => {
		const { name } = c.req.valid("param");
		const { limit, before } = c.req.valid("query");
		await requireWorker(c.env.DB, name);
		const runs = await listCronRuns(c.env.DB, name, limit, before);
		return c.json(
			{
				items: runs.map(({ worker: _worker, scheduled_time, ...run }) => ({
					...run,
					scheduled_time: new Date(scheduled_time).toISOString(),
				})),
			},
			200,
		);
	});

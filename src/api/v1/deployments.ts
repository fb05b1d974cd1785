import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import { MessageSchema } from "../../core/metadata";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { replayed } from "../../http/preconditions";
import { deployVersions } from "../../services/deploy-service";
import { requireWorker } from "../../services/lookups";
import { getActiveDeployment, getDeployment, listDeployments } from "../../storage/deployments";
import { decodeCursor } from "../../storage/pagination";
import {
	DeploymentSchema,
	errorResponses,
	IdParam,
	PageQuery,
	pageOf,
	TrafficSplitSchema,
	WorkerNameParam,
} from "./schemas";
import { etag } from "./workers";

const tags = ["Deployments"];
const nameParam = z.object({ name: WorkerNameParam });

const listRoute = createRoute({
	method: "get",
	path: "/{name}/deployments",
	tags,
	...needs("read", "worker.read"),
	summary: "Deployments of a Worker, newest first (the first is the active one)",
	request: { params: nameParam, query: PageQuery(10) },
	responses: {
		200: {
			description: "A page of deployments",
			content: {
				"application/json": {
					schema: pageOf(DeploymentSchema, "DeploymentPage"),
				},
			},
		},
		...errorResponses(400, 401, 404),
	},
});

const activeRoute = createRoute({
	method: "get",
	path: "/{name}/deployments/active",
	tags,
	...needs("read", "worker.read"),
	summary: "The active deployment; its id is the ETag to send as If-Match",
	request: { params: nameParam },
	responses: {
		200: {
			description: "The active deployment",
			content: { "application/json": { schema: DeploymentSchema } },
		},
		...errorResponses(400, 401, 404),
	},
});

const getRoute = createRoute({
	method: "get",
	path: "/{name}/deployments/{deployment_id}",
	tags,
	...needs("read", "worker.read"),
	summary: "One deployment",
	request: {
		params: z.object({
			name: WorkerNameParam,
			deployment_id: IdParam("deployment_id"),
		}),
	},
	responses: {
		200: {
			description: "The deployment",
			content: { "application/json": { schema: DeploymentSchema } },
		},
		...errorResponses(400, 401, 404),
	},
});

export const CreateDeploymentSchema = z
	.object({
		versions: z.array(TrafficSplitSchema).min(1).max(2),
		message: MessageSchema.optional(),
		force: z.boolean().default(false).openapi({
			description:
				"An older version at 100 % is a rollback and meets the rollback rules; force overrides the secrets-changed refusal",
		}),
	})
	.openapi("CreateDeployment", {
		example: {
			versions: [{ version_id: "5e9c2b7a-3f4d-4e2a-9a61-0c1d2e3f4a5b", percentage: 100 }],
			message: "Ship it",
		},
	});

const createRouteDef = createRoute({
	method: "post",
	path: "/{name}/deployments",
	tags,
	// Deploy, or rollback alone for a deployment that is a rollback (all traffic back to an older version).
	...needs("rollback", "worker.deploy"),
	summary: "Deploy uploaded versions: one at 100 %, or two split by percentage",
	description:
		"Needs the deploy scope; the rollback scope alone suffices for a deployment that is a rollback (all traffic back to an older version).",
	request: {
		params: nameParam,
		query: z.object({ force: z.enum(["true", "false"]).optional() }),
		body: {
			content: { "application/json": { schema: CreateDeploymentSchema } },
			required: true,
		},
	},
	responses: {
		201: {
			description: "The new active deployment",
			content: { "application/json": { schema: DeploymentSchema } },
		},
		...errorResponses(400, 401, 404, 409, 412, 422),
	},
});

export const deploymentsRouter = new OpenAPIHono<AppEnv>({
	defaultHook: validationHook,
})
	.openapi(listRoute, async (c) => {
		const { name } = c.req.valid("param");
		const { cursor, limit } = c.req.valid("query");
		await requireWorker(c.env.DB, name);
		return c.json(await listDeployments(c.env.DB, name, limit, decodeCursor(cursor)), 200);
	})
	.openapi(activeRoute, async (c) => {
		const { name } = c.req.valid("param");
		await requireWorker(c.env.DB, name);
		const active = await getActiveDeployment(c.env.DB, name);
		if (!active) throw new ApiError("not_found", `Worker ${name} has no deployment yet.`);
		c.header("ETag", etag(active.id));
		return c.json(active, 200);
	})
	.openapi(getRoute, async (c) => {
		const { name, deployment_id } = c.req.valid("param");
		const deployment = await getDeployment(c.env.DB, name, deployment_id);
		if (!deployment) throw new ApiError("not_found", `Worker ${name} has no deployment ${deployment_id}.`);
		return c.json(deployment, 200);
	})
	.openapi(createRouteDef, async (c) => {
		const { name } = c.req.valid("param");
		const body = c.req.valid("json");
		const deployment = replayed(
			c,
			await deployVersions(changeContext(c), {
				worker: name,
				versions: body.versions,
				message: body.message ?? null,
				force: body.force || c.req.valid("query").force === "true",
			}),
		);
		c.header("ETag", etag(deployment.id));
		return c.json(deployment, 201);
	});

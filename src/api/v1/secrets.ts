import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import { SecretNameSchema } from "../../core/bindings";
import { MessageSchema } from "../../core/metadata";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { replayed } from "../../http/preconditions";
import { deleteSecret, listSecretNames, putSecret } from "../../services/config-service";
import { requireWorker } from "../../services/lookups";
import { ConfigOutcomeSchema, presentOutcome } from "./change-schemas";
import { errorResponses, WorkerNameParam } from "./schemas";
import { etag } from "./workers";

const tags = ["Secrets"];

const SecretNameParam = SecretNameSchema.openapi({ param: { name: "secret", in: "path" }, example: "API_KEY" });

const params = z.object({ name: WorkerNameParam, secret: SecretNameParam });

const PutSecretSchema = z
	.strictObject({
		value: z.string().max(5120, "a secret value holds at most 5 KiB").openapi({ description: "Write-only" }),
		message: MessageSchema.optional(),
	})
	.openapi("PutSecret");

const listRoute = createRoute({
	method: "get",
	path: "/{name}/secrets",
	tags,
	...needs("read", "worker.read"),
	summary: "Names of the secrets the active deployment runs with (never their values)",
	request: { params: z.object({ name: WorkerNameParam }) },
	responses: {
		200: {
			description: "Secret names",
			content: {
				"application/json": {
					schema: z.object({ items: z.array(z.object({ name: z.string(), type: z.string() })) }),
				},
			},
		},
		...errorResponses(400, 401, 404),
	},
});

const outcomeResponses = {
	200: {
		description: "The secret already had this value (or was absent), so nothing was made",
		content: { "application/json": { schema: ConfigOutcomeSchema } },
	},
	201: {
		description: "A new version and a deployment of it at 100 % (triggered_by: secret)",
		content: { "application/json": { schema: ConfigOutcomeSchema } },
	},
	...errorResponses(400, 401, 404, 409, 422, 503),
};

const putRoute = createRoute({
	method: "put",
	path: "/{name}/secrets/{secret}",
	tags,
	...needs("secrets", "secret.put"),
	summary: "Set a secret: a new version of the active one with the value, deployed at 100 %",
	request: { params, body: { content: { "application/json": { schema: PutSecretSchema } }, required: true } },
	responses: outcomeResponses,
});

const deleteRoute = createRoute({
	method: "delete",
	path: "/{name}/secrets/{secret}",
	tags,
	...needs("secrets", "secret.delete"),
	summary: "Remove a secret: a new version of the active one without it, deployed at 100 %",
	request: { params, query: z.object({ message: MessageSchema.optional() }) },
	responses: outcomeResponses,
});

export const secretsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(listRoute, async (c) => {
		const { name } = c.req.valid("param");
		await requireWorker(c.env.DB, name);
		return c.json({ items: await listSecretNames(c.env.DB, name) }, 200);
	})
	.openapi(putRoute, async (c) => {
		const { name, secret } = c.req.valid("param");
		const { value, message } = c.req.valid("json");
		const outcome = replayed(
			c,
			await putSecret(changeContext(c), { worker: name, message: message ?? null, deploy: true, name: secret, value }),
		);
		c.header("ETag", etag(outcome.active_deployment_id));
		return outcome.changed ? c.json(presentOutcome(outcome), 201) : c.json(presentOutcome(outcome), 200);
	})
	.openapi(deleteRoute, async (c) => {
		const { name, secret } = c.req.valid("param");
		const { message } = c.req.valid("query");
		const outcome = replayed(
			c,
			await deleteSecret(changeContext(c), { worker: name, message: message ?? null, deploy: true, name: secret }),
		);
		c.header("ETag", etag(outcome.active_deployment_id));
		return outcome.changed ? c.json(presentOutcome(outcome), 201) : c.json(presentOutcome(outcome), 200);
	});

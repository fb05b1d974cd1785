import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import {
	CompatibilityDateSchema,
	CompatibilityFlagsSchema,
	MessageSchema,
	UsageModelSchema,
} from "../../core/metadata";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { replayed } from "../../http/preconditions";
import { changeSettings } from "../../services/config-service";
import { ConfigOutcomeSchema, presentOutcome } from "./change-schemas";
import { errorResponses, WorkerNameParam } from "./schemas";
import { etag } from "./workers";

export const SettingsPatchSchema = z
	.strictObject({
		bindings: z
			.record(z.string(), z.looseObject({ type: z.string() }).nullable())
			.optional()
			.openapi({
				description:
					"Bindings to set, by name, in Cloudflare's binding format without `name`; null removes one. Secrets are changed with /secrets.",
				example: { CACHE: { type: "kv_namespace", namespace_id: "0f2ac74b498b48028cb68387c421e279" }, OLD: null },
			}),
		vars: z
			.record(z.string(), z.unknown())
			.optional()
			.openapi({
				description: "Environment variables by name: a string is plain_text, other JSON is json, null removes.",
				example: { GREETING: "hello", LIMITS: { max: 10 } },
			}),
		usage_model: UsageModelSchema.optional(),
		compatibility_date: CompatibilityDateSchema.optional(),
		compatibility_flags: CompatibilityFlagsSchema.optional(),
		message: MessageSchema.optional(),
	})
	.openapi("SettingsPatch");

const patchRoute = createRoute({
	method: "patch",
	path: "/{name}/settings",
	tags: ["Settings"],
	...needs("deploy", "worker.settings"),
	summary:
		"Change bindings, variables, usage model or compatibility: a new version of the active one, deployed at 100 %",
	request: {
		params: z.object({ name: WorkerNameParam }),
		body: { content: { "application/json": { schema: SettingsPatchSchema } }, required: true },
	},
	responses: {
		200: {
			description: "Nothing changed, so nothing was made (changed: false)",
			content: { "application/json": { schema: ConfigOutcomeSchema } },
		},
		201: {
			description: "A new version and a deployment of it at 100 % (triggered_by: settings)",
			content: { "application/json": { schema: ConfigOutcomeSchema } },
		},
		...errorResponses(400, 401, 404, 409, 422),
	},
});

export const settingsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
	patchRoute,
	async (c) => {
		const { name } = c.req.valid("param");
		const { message, ...body } = c.req.valid("json");
		const outcome = replayed(
			c,
			await changeSettings(changeContext(c), { worker: name, message: message ?? null, deploy: true, body }),
		);
		c.header("ETag", etag(outcome.active_deployment_id));
		return outcome.changed ? c.json(presentOutcome(outcome), 201) : c.json(presentOutcome(outcome), 200);
	},
);

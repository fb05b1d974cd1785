import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import { bindingsWithOutsideState } from "../../core/bindings";
import { MessageSchema } from "../../core/metadata";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { replayed } from "../../http/preconditions";
import { requireWorker } from "../../services/lookups";
import { rollbackPolicy } from "../../services/policy";
import { rollbackCandidates } from "../../services/rollback-candidates";
import { rollbackWorker } from "../../services/rollback-service";
import { BindingRefSchema, RefusalReasonSchema } from "./change-schemas";
import { DeploymentSchema, errorResponses, presentVersion, VersionSchema, WorkerNameParam } from "./schemas";
import { etag } from "./workers";

const tags = ["Rollbacks"];
const nameParam = z.object({ name: WorkerNameParam });

export const RollbackRequestSchema = z
	.strictObject({
		version_id: z.string().min(1).max(64).optional(),
		deployment_id: z.string().min(1).max(64).optional(),
		message: MessageSchema.optional(),
		force: z
			.boolean()
			.default(false)
			.openapi({ description: "Roll back even though secrets changed since the target (restores their old values)" }),
	})
	.refine((b) => !(b.version_id && b.deployment_id), {
		message: "name the target with version_id or deployment_id, not both",
		path: ["deployment_id"],
	})
	.openapi("RollbackRequest", { example: { message: "Checkout totals broke", force: false } });

const RollbackResultSchema = z
	.object({
		deployment: DeploymentSchema,
		target_version: VersionSchema,
		rollback_from: z.string().openapi({ description: "The deployment this rollback replaced" }),
		bound_resources_changed: z.literal(false),
		warning: z.string(),
		bindings_with_outside_state: z.array(BindingRefSchema).openapi({
			description: "Bindings whose data (or other Worker) may have moved on since the target version was made",
		}),
		overridden: z.array(RefusalReasonSchema).openapi({ description: "Reasons that force overrode" }),
	})
	.openapi("RollbackResult");

const rollbackRoute = createRoute({
	method: "post",
	path: "/{name}/rollback",
	tags,
	...needs("rollback", "worker.rollback"),
	summary: "Deploy an earlier version at 100 % (default: the previous deployment that ran one version at 100 %)",
	request: {
		params: nameParam,
		query: z.object({
			force: z
				.enum(["true", "false"])
				.optional()
				.openapi({ description: "Same as force in the body (Cloudflare's ?force=true)" }),
		}),
		body: { content: { "application/json": { schema: RollbackRequestSchema } }, required: false },
	},
	responses: {
		201: { description: "The rollback deployment", content: { "application/json": { schema: RollbackResultSchema } } },
		...errorResponses(400, 401, 404, 409, 422),
	},
});

const candidatesRoute = createRoute({
	method: "get",
	path: "/{name}/rollback-candidates",
	tags,
	...needs("read", "worker.read"),
	summary: "Every version in the rollback window, whether a rollback to it is allowed, and why not",
	request: { params: nameParam },
	responses: {
		200: {
			description: "Candidates, newest first",
			content: {
				"application/json": {
					schema: z
						.object({
							window: z.number().int(),
							active_deployment_id: z.string().nullable(),
							items: z.array(
								z.object({
									version: VersionSchema,
									active: z.boolean(),
									eligible: z.boolean(),
									eligible_with_force: z.boolean(),
									reasons: z.array(RefusalReasonSchema),
								}),
							),
						})
						.openapi("RollbackCandidates"),
				},
			},
		},
		...errorResponses(400, 401, 404),
	},
});

export const rollbackRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(rollbackRoute, async (c) => {
		const { name } = c.req.valid("param");
		// The body is optional (no body: roll back to the previous deployment); without one the validator
		// is skipped, so defaults are applied here.
		const body = RollbackRequestSchema.parse(c.req.valid("json") ?? {});
		const force = body.force || c.req.valid("query").force === "true";
		const outcome = replayed(
			c,
			await rollbackWorker(changeContext(c), {
				worker: name,
				message: body.message ?? null,
				version_id: body.version_id,
				deployment_id: body.deployment_id,
				force,
			}),
		);
		c.header("ETag", etag(outcome.deployment.id));
		return c.json(
			{
				deployment: outcome.deployment,
				target_version: presentVersion(outcome.target),
				rollback_from: outcome.replaced.id,
				bound_resources_changed: false as const,
				warning: `Bound resources (KV, R2, D1, queues, Durable Objects, other Workers) were not changed by this rollback: version ${outcome.target.number}'s code now runs against their current data, which may have moved on since it was made.`,
				bindings_with_outside_state: bindingsWithOutsideState(outcome.target.bindings),
				overridden: outcome.overridden,
			},
			201,
		);
	})
	.openapi(candidatesRoute, async (c) => {
		const { name } = c.req.valid("param");
		await requireWorker(c.env.DB, name);
		const policy = rollbackPolicy(c.env);
		const result = await rollbackCandidates(c.env.DB, name, policy);
		return c.json(
			{
				window: policy.window,
				active_deployment_id: result.active_deployment_id,
				items: result.items.map((item) => ({ ...item, version: presentVersion(item.version) })),
			},
			200,
		);
	});

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import { BindingSchema } from "../../core/bindings";
import type { AppEnv } from "../../http/app-env";
import { validationHook } from "../../http/errors";
import { diffWorker } from "../../services/diff-service";
import { requireWorker } from "../../services/lookups";
import { errorResponses, presentBinding, WorkerNameParam } from "./schemas";

const id = (description: string) => z.string().min(1).max(64).openapi({ description });
const side = z.object({
	version_id: z.string(),
	version_number: z.number().int(),
	deployment_id: z.string().nullable(),
});
const change = <T extends z.ZodType>(t: T) => z.object({ from: t, to: t }).nullable();

const DiffSchema = z
	.object({
		from: side,
		to: side,
		identical: z.boolean(),
		main_module: change(z.string()),
		modules: z.array(
			z.object({
				name: z.string(),
				status: z.enum(["added", "removed", "modified"]),
				from_content_type: z.string().nullable(),
				to_content_type: z.string().nullable(),
				diff: z.string().nullable().openapi({ description: "Unified diff of a text module" }),
				diff_omitted: z.enum(["binary", "too_large"]).optional(),
			}),
		),
		bindings: z.array(
			z.object({
				name: z.string(),
				status: z.enum(["added", "removed", "changed"]),
				from: BindingSchema.nullable(),
				to: BindingSchema.nullable(),
			}),
		),
		compatibility_date: change(z.string().nullable()),
		compatibility_flags: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }).nullable(),
		usage_model: change(z.string()),
		migration_tag: change(z.string().nullable()),
	})
	.openapi("VersionDiff");

const diffRoute = createRoute({
	method: "get",
	path: "/{name}/diff",
	tags: ["Versions"],
	...needs("read", "worker.read"),
	summary: "What changed between two versions or deployments: modules (unified diff), bindings, runtime settings",
	request: {
		params: z.object({ name: WorkerNameParam }),
		query: z.object({ from: id("A version id or deployment id"), to: id("A version id or deployment id") }),
	},
	responses: {
		200: {
			description: "The differences (secret values shown only as changed)",
			content: { "application/json": { schema: DiffSchema } },
		},
		...errorResponses(400, 401, 404),
	},
});

export const diffRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(diffRoute, async (c) => {
	const { name } = c.req.valid("param");
	const { from, to } = c.req.valid("query");
	await requireWorker(c.env.DB, name);
	return c.json(await diffWorker(c.env, name, from, to, presentBinding), 200);
});

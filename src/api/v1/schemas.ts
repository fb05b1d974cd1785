import { z } from "@hono/zod-openapi";
import { BindingSchema, withoutSecretMaterial } from "../../core/bindings";
import { type Deployment, SOURCES, TRIGGERS, type Version, WORKER_NAME, type WorkerRecord } from "../../core/model";
import { CONTENT_TYPES } from "../../core/module-types";
import { ERROR_CODES } from "../../errors/api-error";

export const ErrorResponseSchema = z
	.object({
		error: z.object({
			code: z.enum(ERROR_CODES).openapi({ example: "invalid_request" }),
			message: z.string().openapi({
				example: "Invalid request: metadata.main_module: main_module is required",
			}),
			details: z.unknown().optional(),
		}),
		request_id: z.string(),
	})
	.openapi("Error");

export const WorkerNameParam = z
	.string()
	.regex(
		WORKER_NAME,
		"a Worker name is 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit",
	)
	.openapi({ param: { name: "name", in: "path" }, example: "checkout" });

export const IdParam = (name: string) =>
	z
		.string()
		.min(1)
		.max(64)
		.openapi({
			param: { name, in: "path" },
			example: "5e9c2b7a-3f4d-4e2a-9a61-0c1d2e3f4a5b",
		});

export const AuthorSchema = z.object({ id: z.string(), email: z.string() });

export const ModuleEntrySchema = z
	.object({
		name: z.string().openapi({ example: "index.js" }),
		content_type: z.enum(CONTENT_TYPES as [string, ...string[]]),
		sha256: z.string().openapi({ description: "Hex SHA-256 of the module body" }),
		size: z.number().int(),
	})
	.openapi("Module");

export const VersionSchema = z
	.object({
		id: z.string(),
		worker: z.string(),
		number: z.number().int().openapi({ description: "Sequential per Worker: 1, 2, 3, ..." }),
		created_on: z.string().openapi({ example: "2026-11-30T10:00:00.000Z" }),
		author: AuthorSchema,
		source: z.enum(SOURCES),
		message: z.string().nullable(),
		tag: z.string().nullable(),
		triggered_by: z.enum(TRIGGERS),
		main_module: z.string(),
		modules: z.array(ModuleEntrySchema),
		bindings: z.array(BindingSchema),
		compatibility_date: z.string().nullable(),
		compatibility_flags: z.array(z.string()),
		usage_model: z.string(),
		migration_tag: z.string().nullable(),
	})
	.openapi("Version");

export const TrafficSplitSchema = z
	.object({
		version_id: z.string().min(1).max(64),
		percentage: z.number().min(0).max(100).openapi({ example: 100 }),
	})
	.openapi("TrafficSplit");

export const DeploymentSchema = z
	.object({
		id: z.string(),
		worker: z.string(),
		number: z.number().int(),
		created_on: z.string(),
		author: AuthorSchema,
		source: z.enum(SOURCES),
		message: z.string().nullable(),
		triggered_by: z.enum(TRIGGERS),
		rollback_from: z.string().nullable(),
		strategy: z.literal("percentage"),
		versions: z.array(TrafficSplitSchema),
	})
	.openapi("Deployment");

export const WorkerSchema = z
	.object({
		name: z.string(),
		created_on: z.string(),
		updated_on: z.string(),
		version_count: z.number().int(),
		deployment_count: z.number().int(),
		active_deployment: DeploymentSchema.nullable(),
	})
	.openapi("Worker");

export const UploadResultSchema = z
	.object({ version: VersionSchema, deployment: DeploymentSchema.nullable() })
	.openapi("UploadResult");

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
	z
		.object({
			items: z.array(item),
			next_cursor: z.string().nullable().openapi({
				description: "Pass as ?cursor= for the next page; null at the end",
			}),
		})
		.openapi(name);

export const PageQuery = (defaultLimit: number) =>
	z.object({
		cursor: z.string().max(64).optional().openapi({ description: "From the previous page's next_cursor" }),
		limit: z.coerce.number().int().min(1).max(100).default(defaultLimit),
	});

/** Multipart uploads are parsed by hand (size limit, duplicate parts), so this schema documents only. */
export const UploadBodyDoc = {
	content: {
		"multipart/form-data": {
			schema: {
				type: "object" as const,
				required: ["metadata"],
				properties: {
					metadata: {
						type: "string" as const,
						description:
							'JSON: {"main_module","bindings","compatibility_date","compatibility_flags","usage_model","migrations","keep_bindings","annotations":{"workers/message","workers/tag"}}',
					},
				},
				additionalProperties: {
					type: "string" as const,
					format: "binary",
					description: "One part per module, named by its path, with its content type",
				},
			},
		},
	},
	required: true,
};

/** Error responses for a route's document; every route that can be a 401 can also be a 403 (scopes). */
export const errorResponses = (...listed: number[]) => {
	const statuses = listed.includes(401) && !listed.includes(403) ? [...listed, 403] : listed;
	return Object.fromEntries(
		statuses.map((status) => [
			status,
			{
				description: "Error",
				content: { "application/json": { schema: ErrorResponseSchema } },
			},
		]),
	);
};

/** Secret values never leave shiplog: bindings are shown with them removed. */
export const presentBinding = withoutSecretMaterial;

export function presentVersion(version: Version): z.infer<typeof VersionSchema> {
	const { migrations: _migrations, ...rest } = version;
	return { ...rest, bindings: version.bindings.map(presentBinding) };
}

export function presentWorker(worker: WorkerRecord, active: Deployment | null): z.infer<typeof WorkerSchema> {
	const { active_deployment_id: _id, ...rest } = worker;
	return { ...rest, active_deployment: active };
}

import { z } from "@hono/zod-openapi";
import { BindingSchema } from "../core/bindings";
import {
	CompatibilityDateSchema,
	CompatibilityFlagsSchema,
	MessageSchema,
	MigrationsSchema,
	TagSchema,
	UsageModelSchema,
} from "../core/metadata";

/** The `metadata` part of Cloudflare's multipart upload, as wrangler and the native API send it. */
export const UploadMetadataSchema = z
	.looseObject({
		main_module: z.string().min(1).optional(),
		body_part: z.string().min(1).optional(),
		bindings: z.array(BindingSchema).max(1000).default([]),
		compatibility_date: CompatibilityDateSchema.optional(),
		compatibility_flags: CompatibilityFlagsSchema.default([]),
		usage_model: UsageModelSchema.optional(),
		migrations: MigrationsSchema.optional(),
		keep_bindings: z.array(z.string()).optional(),
		annotations: z
			.looseObject({
				"workers/message": MessageSchema.optional(),
				"workers/tag": TagSchema.optional(),
			})
			.optional(),
	})
	.superRefine((meta, ctx) => {
		if (!meta.main_module) {
			ctx.addIssue({
				code: "custom",
				path: ["main_module"],
				message: meta.body_part
					? "service-worker syntax (body_part) is not supported: upload an ES module Worker and name it in main_module"
					: "main_module is required: name the module part that holds the Worker's entry point",
			});
		}
		const seen = new Set<string>();
		meta.bindings.forEach((binding, index) => {
			if (seen.has(binding.name)) {
				ctx.addIssue({
					code: "custom",
					path: ["bindings", index, "name"],
					message: `binding name ${binding.name} is used twice`,
				});
			}
			seen.add(binding.name);
		});
	});

export type UploadMetadata = z.infer<typeof UploadMetadataSchema>;

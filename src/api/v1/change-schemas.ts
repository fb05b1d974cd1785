import { z } from "@hono/zod-openapi";
import type { ConfigOutcome } from "../../coordinator/commands";
import { REFUSAL_CODES } from "../../core/rollback-eligibility";
import { DeploymentSchema, presentVersion, VersionSchema } from "./schemas";

export const ConfigChangeSchema = z
	.object({
		field: z.enum(["binding", "usage_model", "compatibility_date", "compatibility_flags"]),
		name: z.string().optional(),
		type: z.string().optional(),
		change: z.enum(["added", "removed", "changed"]).optional(),
		from: z.string().nullable().optional(),
		to: z.string().nullable().optional(),
		added: z.array(z.string()).optional(),
		removed: z.array(z.string()).optional(),
	})
	.openapi("ConfigChange", {
		description: "One thing a settings or secret change changed (never a value of a secret)",
	});

export const ConfigOutcomeSchema = z
	.object({
		changed: z
			.boolean()
			.openapi({ description: "false: the request changed nothing; no version or deployment was made" }),
		changes: z.array(ConfigChangeSchema),
		version: VersionSchema.nullable(),
		deployment: DeploymentSchema.nullable(),
		active_deployment_id: z.string(),
	})
	.openapi("ConfigOutcome");

export function presentOutcome(outcome: ConfigOutcome): z.infer<typeof ConfigOutcomeSchema> {
	return { ...outcome, version: outcome.version ? presentVersion(outcome.version) : null };
}

export const RefusalReasonSchema = z
	.object({
		code: z.enum(REFUSAL_CODES),
		message: z.string(),
		overridable: z.boolean().openapi({ description: "true: sending force: true overrides this reason" }),
		details: z.record(z.string(), z.unknown()).optional(),
	})
	.openapi("RefusalReason");

export const BindingRefSchema = z.object({ name: z.string(), type: z.string() });

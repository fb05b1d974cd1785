import { z } from "@hono/zod-openapi";

/**
 * The parts of a version's metadata that have rules of their own, wherever they arrive from (an upload's
 * metadata, a settings change, wrangler's annotations).
 */
export const MESSAGE_MAX_BYTES = 1000;
export const TAG_MAX_BYTES = 100;

const byteLength = (value: string) => new TextEncoder().encode(value).byteLength;

export const MessageSchema = z
	.string()
	.refine((v) => byteLength(v) <= MESSAGE_MAX_BYTES, `a message is at most ${MESSAGE_MAX_BYTES} bytes`)
	.openapi({
		description: "Why this change was made (≤ 1000 bytes)",
		example: "Fix checkout totals",
	});

export const TagSchema = z
	.string()
	.refine((v) => byteLength(v) <= TAG_MAX_BYTES, `a tag is at most ${TAG_MAX_BYTES} bytes`)
	.openapi({
		description: "A short label such as a git SHA (≤ 100 bytes)",
		example: "v1.4.2",
	});

/** YYYY-MM-DD, a real calendar date, not after today (the runtime has no behaviour for future dates). */
export const CompatibilityDateSchema = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, "use the form YYYY-MM-DD")
	.refine((v) => {
		const date = new Date(`${v}T00:00:00Z`);
		return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(v);
	}, "not a calendar date")
	.refine((v) => v <= new Date().toISOString().slice(0, 10), "a compatibility date cannot be in the future")
	.openapi({ example: "2026-11-01" });

export const CompatibilityFlagsSchema = z
	.array(z.string().regex(/^[a-z0-9_]{1,128}$/, "a compatibility flag is lower-case letters, digits and _"))
	.max(100)
	.refine((flags) => new Set(flags).size === flags.length, "compatibility flags must not repeat");

export const UsageModelSchema = z.enum(["standard", "bundled", "unbound"]);

const className = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, "a class name must be a JavaScript identifier");

export const MigrationStepSchema = z.looseObject({
	new_classes: z.array(className).optional(),
	new_sqlite_classes: z.array(className).optional(),
	renamed_classes: z.array(z.object({ from: className, to: className })).optional(),
	deleted_classes: z.array(className).optional(),
	transferred_classes: z.array(z.object({ from: className, from_script: z.string(), to: className })).optional(),
});

/** Durable Object migrations, single-step (fields inline) or multi-step (`steps`), as Cloudflare takes them. */
export const MigrationsSchema = MigrationStepSchema.extend({
	tag: z.string().min(1).max(128).optional(),
	old_tag: z.string().min(1).max(128).optional(),
	new_tag: z.string().min(1).max(128).optional(),
	steps: z.array(MigrationStepSchema).optional(),
});

export type Migrations = z.infer<typeof MigrationsSchema>;

/** True when migrations carry Durable Object class changes (which only a deploy may apply). */
export function carriesMigration(migrations: Migrations | undefined | null): boolean {
	if (!migrations) return false;
	const steps = [migrations, ...(migrations.steps ?? [])];
	return steps.some(
		(s) =>
			(s.new_classes?.length ?? 0) +
				(s.new_sqlite_classes?.length ?? 0) +
				(s.renamed_classes?.length ?? 0) +
				(s.deleted_classes?.length ?? 0) +
				(s.transferred_classes?.length ?? 0) >
			0,
	);
}

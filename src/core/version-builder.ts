import { ApiError } from "../errors/api-error";
import type { Binding } from "../upload/bindings";
import type { Migrations, UploadMetadata } from "../upload/metadata";
import type { Author, ModuleEntry, Source, TriggeredBy, Version } from "./model";

export interface VersionDraft {
	metadata: UploadMetadata;
	manifest: ModuleEntry[];
	author: Author;
	source: Source;
	triggered_by: TriggeredBy;
	/** `strict`: an `inherit` binding that cannot be resolved is an error (wrangler always asks for this). */
	bindings_inherit: "strict" | "lax";
}

/**
 * Resolves what an upload means relative to the Worker's latest version: `keep_bindings` and `inherit`
 * bindings copy from it, the Durable Object migration tag carries forward, and migrations must start
 * from the tag the Worker is at.
 */
export function resolveUpload(
	previous: Version | null,
	draft: VersionDraft,
): Omit<Version, "id" | "worker" | "number" | "created_on"> {
	const meta = draft.metadata;
	const bindings = resolveBindings(previous, meta, draft.bindings_inherit);
	const migration_tag = resolveMigrationTag(previous?.migration_tag ?? null, meta.migrations);
	return {
		author: draft.author,
		source: draft.source,
		message: meta.annotations?.["workers/message"] ?? null,
		tag: meta.annotations?.["workers/tag"] ?? null,
		triggered_by: draft.triggered_by,
		main_module: meta.main_module ?? "",
		modules: draft.manifest,
		bindings,
		compatibility_date: meta.compatibility_date ?? null,
		compatibility_flags: meta.compatibility_flags,
		usage_model: meta.usage_model ?? previous?.usage_model ?? "standard",
		migration_tag,
		migrations: meta.migrations ?? null,
	};
}

function resolveBindings(previous: Version | null, meta: UploadMetadata, mode: "strict" | "lax"): Binding[] {
	const previousByName = new Map((previous?.bindings ?? []).map((b) => [b.name, b]));
	const out: Binding[] = [];
	for (const binding of meta.bindings) {
		if (binding.type !== "inherit") {
			out.push(binding);
			continue;
		}
		const inherited = previousByName.get(binding.old_name ?? binding.name);
		if (inherited) {
			out.push({ ...inherited, name: binding.name });
		} else if (mode === "strict") {
			throw new ApiError(
				"invalid_request",
				`Binding ${binding.name} inherits ${binding.old_name ?? binding.name}, which the latest version does not have.`,
			);
		}
	}
	const named = new Set(out.map((b) => b.name));
	const keep = new Set(meta.keep_bindings ?? []);
	for (const kept of previous?.bindings ?? []) {
		if (keep.has(kept.type) && !named.has(kept.name)) out.push(kept);
	}
	return out;
}

function resolveMigrationTag(current: string | null, migrations: Migrations | undefined): string | null {
	if (!migrations) return current;
	const oldTag = migrations.old_tag ?? null;
	if (migrations.old_tag !== undefined && oldTag !== current) {
		throw new ApiError(
			"conflict",
			`The migrations start from tag ${JSON.stringify(oldTag)} but the Worker is at ${JSON.stringify(current)}.`,
			{ reason: "migration_tag_mismatch", current_tag: current },
		);
	}
	return migrations.new_tag ?? migrations.tag ?? current;
}

/** True when an upload carries Durable Object class changes (which only a deploy may apply). */
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

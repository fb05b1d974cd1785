import { ApiError } from "../errors/api-error";
import type { Binding } from "./bindings";
import type { Migrations } from "./metadata";
import type { Author, ModuleEntry, Source, TriggeredBy, Version } from "./model";

/** What an upload asks for, whichever wire format it came in (Cloudflare's multipart metadata). */
export interface UploadDraft {
	main_module: string;
	bindings: Binding[];
	compatibility_date: string | null;
	compatibility_flags: string[];
	usage_model: string | null;
	migrations: Migrations | null;
	/** Binding types to copy from the latest version when the upload does not name them (wrangler's keep_bindings). */
	keep_bindings: string[];
	message: string | null;
	tag: string | null;
}

export interface VersionDraft {
	draft: UploadDraft;
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
	input: VersionDraft,
): Omit<Version, "id" | "worker" | "number" | "created_on"> {
	const { draft } = input;
	return {
		author: input.author,
		source: input.source,
		message: draft.message,
		tag: draft.tag,
		triggered_by: input.triggered_by,
		main_module: draft.main_module,
		modules: input.manifest,
		bindings: resolveBindings(previous, draft, input.bindings_inherit),
		compatibility_date: draft.compatibility_date,
		compatibility_flags: draft.compatibility_flags,
		usage_model: draft.usage_model ?? previous?.usage_model ?? "standard",
		migration_tag: resolveMigrationTag(previous?.migration_tag ?? null, draft.migrations),
		migrations: draft.migrations,
	};
}

function resolveBindings(previous: Version | null, draft: UploadDraft, mode: "strict" | "lax"): Binding[] {
	const previousByName = new Map((previous?.bindings ?? []).map((b) => [b.name, b]));
	const out: Binding[] = [];
	for (const binding of draft.bindings) {
		if (binding.type !== "inherit") {
			out.push(binding);
			continue;
		}
		const inherited = previousByName.get(binding.old_name ?? binding.name);
		if (inherited) {
			out.push({ ...inherited, name: binding.name });
		} else if (mode === "strict") {
			throw ApiError.because(
				"invalid_request",
				"inherit_unresolved",
				`Binding ${binding.name} inherits ${binding.old_name ?? binding.name}, which the latest version does not have.`,
			);
		}
	}
	const named = new Set(out.map((b) => b.name));
	const keep = new Set(draft.keep_bindings);
	for (const kept of previous?.bindings ?? []) {
		if (keep.has(kept.type) && !named.has(kept.name)) out.push(kept);
	}
	return out;
}

function resolveMigrationTag(current: string | null, migrations: Migrations | null): string | null {
	if (!migrations) return current;
	const oldTag = migrations.old_tag ?? null;
	if (migrations.old_tag !== undefined && oldTag !== current) {
		throw ApiError.because(
			"conflict",
			"migration_tag_mismatch",
			`The migrations start from tag ${JSON.stringify(oldTag)} but the Worker is at ${JSON.stringify(current)}.`,
			{ current_tag: current },
		);
	}
	return migrations.new_tag ?? migrations.tag ?? current;
}

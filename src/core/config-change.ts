import { ApiError } from "../errors/api-error";
import { type Binding, isSecretBinding } from "./bindings";
import { sameJson } from "./canonical";
import type { Version } from "./model";

/** The part of a version that settings and secrets change; modules and migrations are copied as they are. */
export type VersionConfig = Pick<Version, "bindings" | "usage_model" | "compatibility_date" | "compatibility_flags">;

/** A change to the active version's configuration: bindings set or removed by name, and runtime settings. */
export interface ConfigPatch {
	/** name → the binding it should be (its `name` is taken from the key), or null to remove it. */
	bindings?: Record<string, Binding | null>;
	usage_model?: string;
	compatibility_date?: string;
	compatibility_flags?: string[];
}

export type ConfigChange =
	| { field: "binding"; name: string; type: string; change: "added" | "removed" | "changed" }
	| { field: "usage_model" | "compatibility_date"; from: string | null; to: string | null }
	| { field: "compatibility_flags"; added: string[]; removed: string[] };

/**
 * Applies a patch to a version's configuration and says what actually changed. An empty `changes`
 * means the request changes nothing, so no version and no deployment should be made.
 */
export function applyConfigPatch(
	base: VersionConfig,
	patch: ConfigPatch,
): { config: VersionConfig; changes: ConfigChange[] } {
	const changes: ConfigChange[] = [];
	const bindings = [...base.bindings];
	for (const [name, wanted] of Object.entries(patch.bindings ?? {})) {
		const index = bindings.findIndex((b) => b.name === name);
		const current = index >= 0 ? bindings[index] : undefined;
		if (wanted === null) {
			if (current) {
				bindings.splice(index, 1);
				changes.push({ field: "binding", name, type: current.type, change: "removed" });
			}
			continue;
		}
		const next = { ...wanted, name } as Binding;
		if (!current) {
			bindings.push(next);
			changes.push({ field: "binding", name, type: next.type, change: "added" });
		} else if (!sameJson(current, next)) {
			bindings[index] = next;
			changes.push({ field: "binding", name, type: next.type, change: "changed" });
		}
	}

	const usage_model = patch.usage_model ?? base.usage_model;
	if (usage_model !== base.usage_model) {
		changes.push({ field: "usage_model", from: base.usage_model, to: usage_model });
	}
	const compatibility_date = patch.compatibility_date ?? base.compatibility_date;
	if (compatibility_date !== base.compatibility_date) {
		changes.push({ field: "compatibility_date", from: base.compatibility_date, to: compatibility_date });
	}
	const compatibility_flags = patch.compatibility_flags ?? base.compatibility_flags;
	const flagChange = diffFlags(base.compatibility_flags, compatibility_flags);
	if (flagChange) changes.push({ field: "compatibility_flags", ...flagChange });

	return { config: { bindings, usage_model, compatibility_date, compatibility_flags }, changes };
}

/** Flags are a set: order alone is not a change. */
export function diffFlags(from: string[], to: string[]): { added: string[]; removed: string[] } | null {
	const added = to.filter((f) => !from.includes(f));
	const removed = from.filter((f) => !to.includes(f));
	return added.length || removed.length ? { added, removed } : null;
}

/** Settings change plain bindings and runtime settings; secrets have their own routes, which keep values sealed. */
export function checkSettingsPatch(base: VersionConfig, patch: ConfigPatch): void {
	for (const [name, wanted] of Object.entries(patch.bindings ?? {})) {
		const current = base.bindings.find((b) => b.name === name);
		if (isSecretBinding(wanted) || isSecretBinding(current)) {
			throw ApiError.because(
				"invalid_request",
				"secret_in_settings",
				`Binding ${name} is a secret, which settings cannot change: its value is set and removed through secrets.`,
				{ binding: name },
			);
		}
		if (wanted?.type === "inherit") {
			throw ApiError.because(
				"invalid_request",
				"inherit_in_settings",
				`Binding ${name}: inherit only makes sense in an upload.`,
			);
		}
	}
}

/**
 * The patch that puts (ref) or deletes (null) one secret. A name already used by another kind of binding
 * is a conflict, as on Cloudflare, rather than a silent replacement.
 */
export function secretPatch(base: VersionConfig, name: string, binding: Binding | null): ConfigPatch {
	const current = base.bindings.find((b) => b.name === name);
	if (current && current.type !== "secret_text") {
		throw ApiError.because(
			"conflict",
			"secret_name_taken",
			`${name} is already a ${current.type} binding of this Worker; remove that binding from its settings first, or pick another name.`,
			{ binding: name },
		);
	}
	if (!binding && !current) {
		throw ApiError.because("not_found", "secret_not_found", `The active version has no secret called ${name}.`);
	}
	return { bindings: { [name]: binding } };
}

/** The new version a settings or secret change makes: the base version's code with the new configuration. */
export function copyWithConfig(
	base: Version,
	config: VersionConfig,
	meta: Pick<Version, "author" | "source" | "message" | "triggered_by">,
): Omit<Version, "id" | "worker" | "number" | "created_on"> {
	return {
		...meta,
		tag: null,
		main_module: base.main_module,
		modules: base.modules,
		...config,
		migration_tag: base.migration_tag,
		// The base's migrations were applied when it was deployed; a copy must not apply them again.
		migrations: null,
	};
}

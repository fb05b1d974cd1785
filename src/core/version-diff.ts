import type { Binding } from "./bindings";
import { sameJson } from "./canonical";
import { diffFlags } from "./config-change";
import { diffLines, splitLines, unifiedDiff } from "./line-diff";
import type { Version } from "./model";
import { type ContentType, isText, MODULE_KINDS } from "./module-types";

export interface ModuleDiff {
	name: string;
	status: "added" | "removed" | "modified";
	from_content_type: string | null;
	to_content_type: string | null;
	/** Unified diff of a text module; null for binary modules or when it is too large to show. */
	diff: string | null;
	/** Why `diff` is null: binary, too_large. */
	diff_omitted?: "binary" | "too_large";
}

export interface BindingDiff {
	name: string;
	status: "added" | "removed" | "changed";
	/** The binding on each side as shown by the API (secret values removed); secrets only say "changed". */
	from: Binding | null;
	to: Binding | null;
}

export interface VersionDiff {
	identical: boolean;
	main_module: { from: string; to: string } | null;
	modules: ModuleDiff[];
	bindings: BindingDiff[];
	compatibility_date: { from: string | null; to: string | null } | null;
	compatibility_flags: { added: string[]; removed: string[] } | null;
	usage_model: { from: string; to: string } | null;
	migration_tag: { from: string | null; to: string | null } | null;
}

const textual = (type: string) => isText(MODULE_KINDS[type as ContentType] ?? "data");

/**
 * What changed from one version to another. `texts` holds the bodies of text modules by sha256 (only
 * modified ones are needed); `present` strips what the API must not show (secret values and refs).
 */
export function diffVersions(
	from: Version,
	to: Version,
	texts: Map<string, string>,
	present: (b: Binding) => Binding,
): VersionDiff {
	const modules: ModuleDiff[] = [];
	const fromModules = new Map(from.modules.map((m) => [m.name, m]));
	const toModules = new Map(to.modules.map((m) => [m.name, m]));
	const names = [...new Set([...fromModules.keys(), ...toModules.keys()])].sort();
	for (const name of names) {
		const a = fromModules.get(name);
		const b = toModules.get(name);
		if (a && b && a.sha256 === b.sha256 && a.content_type === b.content_type) continue;
		const status = !a ? "added" : !b ? "removed" : "modified";
		const bothText = (!a || textual(a.content_type)) && (!b || textual(b.content_type));
		let diff: string | null = null;
		let diff_omitted: ModuleDiff["diff_omitted"];
		if (!bothText) {
			diff_omitted = "binary";
		} else {
			const edits = diffLines(
				splitLines(a ? (texts.get(a.sha256) ?? "") : ""),
				splitLines(b ? (texts.get(b.sha256) ?? "") : ""),
			);
			if (edits) diff = unifiedDiff(edits, a ? name : "/dev/null", b ? name : "/dev/null");
			else diff_omitted = "too_large";
		}
		modules.push({
			name,
			status,
			from_content_type: a?.content_type ?? null,
			to_content_type: b?.content_type ?? null,
			diff,
			...(diff_omitted ? { diff_omitted } : {}),
		});
	}

	const bindings: BindingDiff[] = [];
	const fromBindings = new Map(from.bindings.map((b) => [b.name, b]));
	const toBindings = new Map(to.bindings.map((b) => [b.name, b]));
	for (const name of [...new Set([...fromBindings.keys(), ...toBindings.keys()])].sort()) {
		const a = fromBindings.get(name);
		const b = toBindings.get(name);
		if (a && b && sameJson(a, b)) continue;
		bindings.push({
			name,
			status: !a ? "added" : !b ? "removed" : "changed",
			from: a ? present(a) : null,
			to: b ? present(b) : null,
		});
	}

	const result: VersionDiff = {
		identical: false,
		main_module: from.main_module === to.main_module ? null : { from: from.main_module, to: to.main_module },
		modules,
		bindings,
		compatibility_date:
			from.compatibility_date === to.compatibility_date
				? null
				: { from: from.compatibility_date, to: to.compatibility_date },
		compatibility_flags: diffFlags(from.compatibility_flags, to.compatibility_flags),
		usage_model: from.usage_model === to.usage_model ? null : { from: from.usage_model, to: to.usage_model },
		migration_tag: from.migration_tag === to.migration_tag ? null : { from: from.migration_tag, to: to.migration_tag },
	};
	result.identical =
		!result.main_module &&
		modules.length === 0 &&
		bindings.length === 0 &&
		!result.compatibility_date &&
		!result.compatibility_flags &&
		!result.usage_model &&
		!result.migration_tag;
	return result;
}

/** The sha256 of every text module body the diff will read. */
export function textsNeeded(from: Version, to: Version): string[] {
	const toBySha = new Map(to.modules.map((m) => [m.name, m.sha256]));
	const fromBySha = new Map(from.modules.map((m) => [m.name, m.sha256]));
	const out = new Set<string>();
	for (const m of from.modules) if (toBySha.get(m.name) !== m.sha256 && textual(m.content_type)) out.add(m.sha256);
	for (const m of to.modules) if (fromBySha.get(m.name) !== m.sha256 && textual(m.content_type)) out.add(m.sha256);
	return [...out];
}

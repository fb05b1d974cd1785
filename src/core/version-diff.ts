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
			// A side whose body was not read (over the diff's byte budget) is too large to show.
			const fromText = a ? texts.get(a.sha256) : "";
			const toText = b ? texts.get(b.sha256) : "";
			const edits =
				fromText === undefined || toText === undefined ? null : diffLines(splitLines(fromText), splitLines(toText));
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

/** A module body larger than this is not diffed line by line (its diff would not fit a Worker's memory). */
export const MAX_DIFF_MODULE_BYTES = 512 * 1024;
/** Nor are bodies past this much text in one diff, however many modules changed. */
export const MAX_DIFF_TOTAL_BYTES = 4 * 1024 * 1024;

/**
 * The sha256 of every text module body the diff will read: changed text modules, each at most
 * MAX_DIFF_MODULE_BYTES and all together at most MAX_DIFF_TOTAL_BYTES. A module left out is reported as
 * `too_large`, so a diff's memory and time are bounded whatever the bundles hold.
 */
export function textsNeeded(from: Version, to: Version): string[] {
	const fromByName = new Map(from.modules.map((m) => [m.name, m]));
	const toByName = new Map(to.modules.map((m) => [m.name, m]));
	const out = new Set<string>();
	let budget = MAX_DIFF_TOTAL_BYTES;
	for (const name of [...new Set([...fromByName.keys(), ...toByName.keys()])].sort()) {
		// Both sides of a module, or neither: half a pair is no diff.
		const sides = [fromByName.get(name), toByName.get(name)].filter((m) => m !== undefined);
		if (sides.length === 2 && sides[0]?.sha256 === sides[1]?.sha256) continue;
		if (!sides.every((m) => textual(m.content_type) && m.size <= MAX_DIFF_MODULE_BYTES)) continue;
		const size = sides.reduce((sum, m) => sum + (out.has(m.sha256) ? 0 : m.size), 0);
		if (size > budget) continue;
		budget -= size;
		for (const m of sides) out.add(m.sha256);
	}
	return [...out];
}

import { ApiError } from "../errors/api-error";
import type { Binding } from "./bindings";
import type { Migrations } from "./metadata";

/** A Durable Object class of a managed Worker that has storage (src/runtime/do): its name and where it lives. */
export interface LiveClass {
	class_name: string;
	storage_id: string;
}

/** What a deploy's migrations do to the Worker's classes; committed in the deploy's batch. */
export type ClassChange =
	| { kind: "create"; class_name: string; storage_id: string }
	| { kind: "rename"; storage_id: string; from: string; to: string }
	| { kind: "delete"; storage_id: string; class_name: string };

function invalid(message: string): ApiError {
	return ApiError.because("invalid_request", "durable_object_migration_invalid", message);
}

/**
 * Applies a deploy's Durable Object migrations, step by step, to the Worker's live classes, as Cloudflare
 * does: a new class must not exist yet, a renamed or deleted one must. A created class gets a storage id of its
 * own (`<version>:<class>`, so a class created again after a delete never meets the old data). KV-backed
 * `new_classes` get SQLite storage too (both storage APIs work on it); transfers between Workers are refused,
 * since a Worker reaches only its own classes.
 */
export function planClassChanges(live: LiveClass[], migrations: Migrations | null, versionId: string): ClassChange[] {
	if (!migrations) return [];
	const classes = new Map(live.map((c) => [c.class_name, c.storage_id]));
	const changes: ClassChange[] = [];
	for (const step of [migrations, ...(migrations.steps ?? [])]) {
		if ((step.transferred_classes?.length ?? 0) > 0) {
			throw invalid("transferred_classes moves a class between Workers; shiplog runs only a Worker's own classes.");
		}
		for (const name of [...(step.new_classes ?? []), ...(step.new_sqlite_classes ?? [])]) {
			if (classes.has(name)) throw invalid(`Cannot create Durable Object class ${name}: it already exists.`);
			const storage_id = `${versionId}:${name}`;
			classes.set(name, storage_id);
			changes.push({ kind: "create", class_name: name, storage_id });
		}
		for (const { from, to } of step.renamed_classes ?? []) {
			const storage_id = classes.get(from);
			if (storage_id === undefined) throw invalid(`Cannot rename Durable Object class ${from}: it does not exist.`);
			if (classes.has(to)) throw invalid(`Cannot rename ${from} to ${to}: a class ${to} already exists.`);
			classes.delete(from);
			classes.set(to, storage_id);
			changes.push({ kind: "rename", storage_id, from, to });
		}
		for (const name of step.deleted_classes ?? []) {
			const storage_id = classes.get(name);
			if (storage_id === undefined) throw invalid(`Cannot delete Durable Object class ${name}: it does not exist.`);
			classes.delete(name);
			changes.push({ kind: "delete", storage_id, class_name: name });
		}
	}
	return changes;
}

/** The live classes after `changes`. */
export function classesAfter(live: LiveClass[], changes: ClassChange[]): LiveClass[] {
	const classes = new Map(live.map((c) => [c.class_name, c.storage_id]));
	for (const change of changes) {
		if (change.kind === "create") classes.set(change.class_name, change.storage_id);
		else if (change.kind === "rename") {
			classes.delete(change.from);
			classes.set(change.to, change.storage_id);
		} else classes.delete(change.class_name);
	}
	return [...classes].map(([class_name, storage_id]) => ({ class_name, storage_id }));
}

/** The classes of its own that a version's Durable Object bindings name (no script_name, or its own). */
export function ownClassBindings(
	worker: string,
	bindings: Binding[],
): Extract<Binding, { type: "durable_object_namespace" }>[] {
	return bindings.flatMap((b) =>
		b.type === "durable_object_namespace" && (b.script_name === undefined || b.script_name === worker) ? [b] : [],
	);
}

/**
 * Every own-class binding must name a class that has storage once this upload's migrations are applied
 * (Cloudflare refuses a binding to a class no migration created, and a delete of a class still bound).
 */
export function refuseUnknownClasses(worker: string, bindings: Binding[], live: LiveClass[]): void {
	const known = new Set(live.map((c) => c.class_name));
	const unknown = ownClassBindings(worker, bindings).filter((b) => !known.has(b.class_name ?? ""));
	if (unknown.length === 0) return;
	throw ApiError.because(
		"invalid_request",
		"durable_object_class_unknown",
		`Durable Object binding${unknown.length === 1 ? "" : "s"} ${unknown.map((b) => `${b.name} (class ${b.class_name ?? "?"})`).join(", ")} name${unknown.length === 1 ? "s" : ""} a class with no storage: add a migration that creates it (new_sqlite_classes), or remove the binding.`,
		{ bindings: unknown.map((b) => b.name) },
	);
}

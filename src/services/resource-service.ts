import { auditEntry, recordAudit } from "../audit-log/record";
import type { ResourceType } from "../core/bindings";
import { checkResourceName, NAMED_BY_ID } from "../core/resource-names";
import { ApiError } from "../errors/api-error";
import { emitEvent } from "../notifications/emit";
import { eventActor } from "../notifications/events";
import { destroyResource, reviveResource } from "../runtime/resource-stores";
import { deleteConsumersOf } from "../storage/queue-consumers";
import {
	activeBinders,
	getLiveResourceByName,
	getResource,
	markResourceDeleted,
	type ResourceRecord,
	registerResource,
	resourceKey,
} from "../storage/resources";
import { auditActor, type ChangeContext } from "./change-context";

export interface ResourceRef {
	type: ResourceType;
	id: string;
}

/**
 * What a caller asks for: `id` registers that id (bound by some Worker already, or existing elsewhere) and
 * answers `created: false` when it is registered; `name` alone creates a new resource, refused when a live one
 * of the type has that name (KV namespaces and D1 databases get a new id; buckets and queues are their name).
 */
export interface NewResource {
	type: ResourceType;
	id?: string;
	name?: string;
}

const hex32 = (uuid: string) => uuid.replaceAll("-", "");

function newId(ctx: ChangeContext, type: ResourceType, name: string): string {
	if (NAMED_BY_ID.has(type)) return name;
	return type === "kv_namespace" ? hex32(ctx.deps.ids.uuid()) : ctx.deps.ids.uuid();
}

function nameTaken(type: ResourceType, name: string): ApiError {
	return ApiError.because(
		"conflict",
		"resource_name_taken",
		`A ${type} named ${JSON.stringify(name)} already exists. Pick another name, or delete that one first.`,
		{ type, name },
	);
}

/** Creates a resource of the account, or registers one by id (bringing a deleted one back). */
export async function addResource(
	ctx: ChangeContext,
	input: NewResource,
): Promise<{ record: ResourceRecord; created: boolean }> {
	if (input.id === undefined && input.name === undefined) {
		throw new ApiError("invalid_request", "Give the resource a name (or the id of one that exists).");
	}
	if (input.name !== undefined) checkResourceName(input.type, input.name);
	if (input.id !== undefined && input.name !== undefined && NAMED_BY_ID.has(input.type) && input.id !== input.name) {
		throw new ApiError("invalid_request", `A ${input.type} is named by its id: give one of id and name.`);
	}
	const exclusive = input.id === undefined;
	const name = input.name ?? null;
	const id = input.id ?? newId(ctx, input.type, input.name ?? "");
	if (name !== null) {
		const holder = await getLiveResourceByName(ctx.env.DB, input.type, name);
		if (holder && (exclusive || holder.id !== id)) throw nameTaken(input.type, name);
	}
	const registered = await registerResource(
		ctx.env.DB,
		{ type: input.type, id, name: NAMED_BY_ID.has(input.type) ? null : name },
		ctx.actor.author,
		ctx.deps.clock.now().toISOString(),
	).catch((error: unknown) => {
		// Two creates of one name at once: the unique index on live names let only one in.
		if (name !== null && /UNIQUE constraint failed/.test(String(error))) throw nameTaken(input.type, name);
		throw error;
	});
	const { record, created, revived } = registered;
	// A deleted resource's store refuses every call (its tombstone) until now; it comes back empty.
	if (revived) await reviveResource(ctx.env, record.type, record.id);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: exclusive ? "resource.create" : "resource.register",
			outcome: created || revived ? "success" : "unchanged",
			target_type: "resource",
			target_id: resourceKey(record),
			details: { ...(name !== null ? { name } : {}), ...(revived ? { revived: true } : {}) },
		}),
	);
	return { record, created };
}

/**
 * Deletes a resource and its data. Refused (409, naming them) while an active deployment binds it, unless
 * `force`; from then on new versions that bind it, and rollbacks to versions that bind it, are refused.
 */
export async function deleteResource(
	ctx: ChangeContext,
	ref: ResourceRef,
	options: { force?: boolean } = {},
): Promise<ResourceRecord> {
	const force = options.force === true;
	const existing = await getResource(ctx.env.DB, ref.type, ref.id);
	if (!existing) {
		throw ApiError.because("not_found", "resource_not_found", `No ${ref.type} ${ref.id} is registered.`);
	}
	const binders = force ? await activeBinders(ctx.env.DB, ref) : [];
	const now = ctx.deps.clock.now().toISOString();
	let marked = await markResourceDeleted(ctx.env.DB, ref, ctx.actor.author, now, force);
	if (!marked.deleted && marked.record?.deleted_on === null) {
		const workers = await activeBinders(ctx.env.DB, ref);
		// The binding deployment moved away between the two reads: try once more.
		if (workers.length === 0) marked = await markResourceDeleted(ctx.env.DB, ref, ctx.actor.author, now, false);
		else throw inUse(ref, workers);
		if (!marked.deleted && marked.record?.deleted_on === null) {
			throw inUse(ref, await activeBinders(ctx.env.DB, ref));
		}
	}
	const record = marked.record ?? existing;
	const data = marked.deleted ? await deleteData(ctx.env, ref) : null;
	const actor = auditActor(ctx);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, actor, {
			action: "resource.delete",
			outcome: marked.deleted ? "success" : "unchanged",
			target_type: "resource",
			target_id: resourceKey(ref),
			details: marked.deleted
				? { forced: binders.length > 0, ...(binders.length > 0 ? { workers: binders } : {}), data }
				: null,
		}),
	);
	if (marked.deleted) {
		await emitEvent(ctx.env, ctx.deps, {
			type: "resource.deleted",
			worker: null,
			data: {
				resource: { type: ref.type, id: ref.id },
				deleted_on: record.deleted_on,
				actor: eventActor(actor),
				...(binders.length > 0 ? { forced: true, workers: binders } : {}),
			},
		});
	}
	return record;
}

function inUse(ref: ResourceRef, workers: string[]): ApiError {
	return ApiError.because(
		"conflict",
		"resource_in_use",
		`${ref.type} ${ref.id} is bound by the active deployment of ${workers.join(", ")}. Deleting it would delete data those Workers serve.`,
		{ type: ref.type, id: ref.id, workers },
	);
}

/**
 * Everything the resource holds goes with it (a queue's consumer setting too); `done: false` means a large
 * bucket still being emptied. Its store keeps a tombstone, so a Worker whose active deployment still binds it
 * (a forced delete) is refused instead of filling it again.
 */
async function deleteData(env: Env, ref: ResourceRef): Promise<{ deleted: "all" | "in_progress" }> {
	if (ref.type === "queue") await deleteConsumersOf(env.DB, ref.id);
	const { done } = await destroyResource(env, ref.type, ref.id, { tombstone: true });
	return { deleted: done ? "all" : "in_progress" };
}

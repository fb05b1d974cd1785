import { boundResources } from "../core/bindings";
import type { Preconditions } from "../core/preconditions";
import { ApiError } from "../errors/api-error";
import { insertDeployment } from "../storage/deployments";
import { classChangeStatements } from "../storage/do-classes";
import { storeIdempotentResult } from "../storage/idempotency";
import { guardResources, registerOnFirstUse } from "../storage/resources";
import { insertSecretValue } from "../storage/secret-values";
import { insertVersion } from "../storage/versions";
import { advanceWorker, guardCounters, releaseGuard } from "../storage/workers";
import type { Change, Counters, WriterState } from "./commands";
import type { LocalState, PendingWrite } from "./local-state";

export const GUARD_FAILURE = /NOT NULL constraint failed: write_guard\.ok/;
const RESOURCE_GUARD_FAILURE = /NOT NULL constraint failed: resource_guard\.ok/;
/** When D1 cannot say whether a write landed, the alarm asks again after this long. */
export const SETTLE_RETRY_MS = 5_000;

/**
 * What the change was planned on no longer holds, so plan it again: D1 moved on since this coordinator last
 * wrote (its storage was lost, or another writer ran), or a resource it serves was deleted meanwhile.
 */
export class StaleCounters extends Error {
	constructor(readonly what: "counters" | "resources" = "counters") {
		super(what === "counters" ? "D1 moved on since this coordinator last wrote" : "a resource was deleted meanwhile");
	}
}

/** What a commit leaves: the counters after it, and the rows of the read that rode in its batch. */
export interface Committed<R> {
	counters: Counters;
	/** null when there was no read, or the batch's reply was lost (the change landed; its rows never came back). */
	read: R[] | null;
}

/**
 * Commits a planned change as one guarded D1 batch (docs/consistency.md): the compare-and-set on the
 * counters, the pointer, the rows, the idempotency result, all or nothing. Returns the counters after it.
 * A batch whose reply is lost is recorded as pending and settled by looking it up; the client hears of success
 * only if it landed.
 * `read`, a statement that only reads, rides at the end of the batch (after the change, in its
 * transaction) and saves a round trip of its own.
 */
export async function commitChange<T, R = never>(
	db: D1Database,
	local: LocalState,
	alarm: (at: number) => Promise<void>,
	state: WriterState,
	change: Change<T>,
	pre: Preconditions,
	at: string,
	/** Rows that belong to the change and must land with it (its audit entry, its event). */
	records: D1PreparedStatement[] = [],
	read?: D1PreparedStatement,
): Promise<Committed<R>> {
	const { version, deployment } = change;
	const next: Counters = {
		version_count: version ? version.number : state.version_count,
		deployment_count: deployment ? deployment.number : state.deployment_count,
		active_deployment_id: deployment ? deployment.id : state.active_deployment_id,
	};
	// The workers row goes first: versions and deployments reference it.
	const statements = [
		guardCounters(db, state.worker, state),
		...guardResources(db, boundResources(change.serves ?? [])),
		advanceWorker(db, { name: state.worker, now: at, next }),
	];
	if (version) statements.push(insertVersion(db, version));
	if (deployment) statements.push(insertDeployment(db, deployment));
	for (const value of change.secret_values ?? []) statements.push(insertSecretValue(db, value));
	if (version && change.class_changes?.length) {
		statements.push(...classChangeStatements(db, state.worker, version.id, at, change.class_changes));
	}
	// First use of a bound resource registers it, in the same batch as the version that binds it.
	if (version) {
		for (const resource of boundResources(version.bindings)) {
			statements.push(registerOnFirstUse(db, resource, `worker:${state.worker}`, version.author, at));
		}
	}
	if (pre.idempotency_key !== undefined) {
		statements.push(
			storeIdempotentResult(db, {
				worker: state.worker,
				key: pre.idempotency_key,
				fingerprint: pre.fingerprint ?? "",
				result: change.result,
				now: at,
			}),
		);
	}
	statements.push(...records);
	statements.push(releaseGuard(db));
	if (read) statements.push(read);

	// Nothing is written here before the batch: a durable write would hold the batch back behind the output gate.
	// If this instance stops between the batch and the state write below, its successor finds D1 ahead on its
	// first load and adopts D1's counters (WorkerCoordinator.load); a batch whose outcome is unknown is recorded
	// as pending below, durably, before it is settled.
	const pending: PendingWrite = { version_id: version?.id ?? null, deployment_id: deployment?.id ?? null, next };
	let results: D1Result<R>[];
	try {
		results = await db.batch<R>(statements);
	} catch (error) {
		if (GUARD_FAILURE.test(String(error)) || RESOURCE_GUARD_FAILURE.test(String(error))) {
			throw new StaleCounters(GUARD_FAILURE.test(String(error)) ? "counters" : "resources");
		}
		console.error(JSON.stringify({ at: "coordinator.commit", worker: state.worker, error: String(error) }));
		// The batch may or may not have landed: settle it now (or leave it to the alarm).
		local.writePending(pending, at);
		const landed = await settlePending(db, local, alarm, state.worker).catch(() => false);
		if (landed) return { counters: next, read: null };
		throw new ApiError("unavailable", "Storage did not confirm the change; retry it (with the same Idempotency-Key).");
	}
	// The change is in D1: it happened, whatever follows. If this object cannot record it, the next operation
	// (or the alarm) takes the counters from D1; the client still hears of success.
	try {
		local.write({ worker: state.worker, ...next });
		// What D1 now holds, so there is nothing to check against it.
		local.markVerified();
	} catch (error) {
		console.error(JSON.stringify({ at: "coordinator.commit.local", worker: state.worker, error: String(error) }));
		// The next operation (or the alarm) checks the counters against D1 before it trusts them.
		local.distrust();
		await alarm(Date.now() + SETTLE_RETRY_MS).catch(() => undefined);
	}
	return { counters: next, read: read ? (results.at(-1)?.results ?? []) : null };
}

/** Finds out whether a write whose outcome was unknown reached D1, and adopts or drops it. */
export async function settlePending(
	db: D1Database,
	local: LocalState,
	alarm: (at: number) => Promise<void>,
	worker: string,
): Promise<boolean> {
	const pending = local.readPending();
	if (!pending) return false;
	try {
		const id = pending.deployment_id ?? pending.version_id;
		const table = pending.deployment_id ? "deployments" : "versions";
		const landed = await db.prepare(`SELECT 1 AS found FROM ${table} WHERE id = ?1`).bind(id).first();
		local.transaction(() => {
			if (landed) local.write({ worker, ...pending.next });
			local.clearPending();
		});
		return landed !== null;
	} catch (error) {
		await alarm(Date.now() + SETTLE_RETRY_MS);
		throw new ApiError("unavailable", "Storage is not answering; retry shortly.", { cause: String(error) });
	}
}

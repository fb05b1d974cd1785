import type { Principal } from "../auth/principal";
import type { Deps } from "../deps/deps";
import { insertAuditEntry } from "../storage/audit-log";
import type { AuditActor, AuditEntry, AuditFields, AuditSource } from "./entry";
import { outcomeForStatus } from "./entry";

/** Who a principal is in the audit log, arriving through `source`. */
export function actorOf(principal: Principal | null, source: AuditSource, request_id: string | null): AuditActor {
	return {
		principal_id: principal?.id ?? null,
		principal_kind: principal?.kind ?? null,
		token_prefix: principal?.token_prefix ?? null,
		source,
		request_id,
	};
}

/** An entry stamped with the caller's clock and a new id. */
export function auditEntry(deps: Deps, actor: AuditActor, fields: AuditFields): AuditEntry {
	return {
		...actor,
		id: deps.ids.uuid(),
		at: deps.clock.now().toISOString(),
		status: null,
		worker: null,
		version_id: null,
		deployment_id: null,
		target_type: null,
		target_id: null,
		reason: null,
		message: null,
		details: null,
		...fields,
	};
}

/** Records one entry on its own (a change's own batch uses insertAuditEntry instead). */
export async function recordAudit(db: D1Database, entry: AuditEntry): Promise<void> {
	await insertAuditEntry(db, entry).run();
}

/** A refusal as any surface sees it: the HTTP status, the message, and shiplog's code and reason if any. */
export interface Refusal {
	status: number;
	message: string;
	code?: string | number;
	reason?: string;
}

/**
 * Anonymous refusals (401) cost a write each, so an anonymous flood could fill the log: past this many
 * a minute per isolate they are counted instead, and the next one recorded says how many were not.
 */
const UNAUTHENTICATED_PER_MINUTE = 60;
const flood = { window: 0, count: 0, suppressed: 0 };

function admitUnauthenticated(now: number): { admit: boolean; suppressed: number } {
	if (now - flood.window >= 60_000) {
		flood.window = now;
		flood.count = 0;
	}
	if (flood.count >= UNAUTHENTICATED_PER_MINUTE) {
		flood.suppressed += 1;
		return { admit: false, suppressed: 0 };
	}
	flood.count += 1;
	const suppressed = flood.suppressed;
	flood.suppressed = 0;
	return { admit: true, suppressed };
}

/**
 * Records a refusal: what was asked (`action`, the Worker), who asked, and why it was refused. Every
 * surface calls this for 401, 403, 409, 412, 422 and 428; the message is the one the caller got, which
 * never holds a secret value or a token.
 */
export async function recordRefusal(
	db: D1Database,
	deps: Deps,
	actor: AuditActor,
	what: { action: string; worker?: string | null; refusal: Refusal; details?: Record<string, unknown> },
): Promise<void> {
	const outcome = outcomeForStatus(what.refusal.status);
	let details: Record<string, unknown> = {
		...what.details,
		...(what.refusal.code !== undefined ? { code: what.refusal.code } : {}),
	};
	if (outcome === "unauthenticated") {
		const gate = admitUnauthenticated(deps.clock.now().getTime());
		if (!gate.admit) return;
		if (gate.suppressed > 0) details = { ...details, not_recorded_before: gate.suppressed };
	}
	await recordAudit(
		db,
		auditEntry(deps, actor, {
			action: what.action,
			outcome,
			status: what.refusal.status,
			worker: what.worker ?? null,
			reason: what.refusal.reason ?? null,
			message: what.refusal.message.slice(0, 1000),
			details: Object.keys(details).length > 0 ? details : null,
		}),
	);
}

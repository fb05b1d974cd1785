import type { PrincipalKind } from "../auth/principal";
import type { Source } from "../core/model";

/** Through what a change or refusal came: the surface that received it, not what a client claims. */
export const AUDIT_SOURCES = ["api", "wrangler", "chatops", "dashboard", "cron", "edge"] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];

/**
 * How it ended. `unchanged`: valid, but there was nothing to change; `replayed`: a retry with the same
 * Idempotency-Key got the first answer again; `refused`: a rule or precondition said no (409, 412, 422,
 * 428); `denied`: the principal lacks the scope (403); `unauthenticated`: no valid token (401).
 */
export const OUTCOMES = ["success", "unchanged", "replayed", "refused", "denied", "unauthenticated"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The statuses that are refusals and so are recorded even though nothing changed. */
export const REFUSAL_STATUSES: ReadonlySet<number> = new Set([401, 403, 409, 412, 422, 428]);

/**
 * Who asked and through what, as it travels with a change (across the coordinator's RPC boundary too).
 * Never a token: only its non-secret prefix.
 */
export interface AuditActor {
	principal_id: string | null;
	principal_kind: PrincipalKind | null;
	token_prefix: string | null;
	source: AuditSource;
	request_id: string | null;
}

/** One row of the audit log. */
export interface AuditEntry extends AuditActor {
	id: string;
	at: string;
	/** Dotted: worker.deploy, version.upload, worker.rollback, secret.put, token.create, ... */
	action: string;
	outcome: Outcome;
	status: number | null;
	worker: string | null;
	version_id: string | null;
	deployment_id: string | null;
	/** What else the action is about: ("token", id), ("webhook", id), ("resource", "type:id"). */
	target_type: string | null;
	target_id: string | null;
	reason: string | null;
	message: string | null;
	details: Record<string, unknown> | null;
}

export type AuditFields = Pick<AuditEntry, "action" | "outcome"> &
	Partial<Omit<AuditEntry, "id" | "at" | "action" | "outcome" | keyof AuditActor>>;

/** The audit source for a change recorded by what the log calls its source (for callers without a surface). */
export function auditSourceOf(source: Source): AuditSource {
	if (source === "schedule") return "cron";
	return (AUDIT_SOURCES as readonly string[]).includes(source) ? (source as AuditSource) : "api";
}

export function outcomeForStatus(status: number): Outcome {
	if (status === 401) return "unauthenticated";
	if (status === 403) return "denied";
	return "refused";
}

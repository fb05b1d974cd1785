import type { AuditActor, AuditSource } from "../audit-log/entry";
import { actorOf } from "../audit-log/record";
import type { Principal } from "../auth/principal";
import type { Author, Source } from "../core/model";
import type { Preconditions } from "../core/preconditions";
import type { Deps } from "../deps/deps";
import { ApiError, type Result } from "../errors/api-error";

/**
 * Who asks for a change, through what, when, and on what conditions: what every adapter (/v1,
 * /client/v4, and the people-facing surfaces) hands the service layer with the request itself.
 */
export interface ChangeContext {
	env: Env;
	deps: Deps;
	/** The author the log records, and the source a client names (Cloudflare's metadata.source). */
	actor: { author: Author; source: Source };
	/** Who asks: what they may do (services check scopes that depend on the request's content). */
	principal: Principal;
	/** The surface the request arrived on: the audit log's source. */
	surface: AuditSource;
	/** Idempotency-Key and If-Match as the client sent them; the service adds the request's fingerprint. */
	preconditions: Preconditions;
	request_id: string;
}

/** A change that was made, or replayed for a repeated Idempotency-Key. */
export interface Done<T> {
	value: T;
	replayed: boolean;
}

/** The coordinator's answer as a service result: the error it carried becomes an ApiError again. */
export function done<T>(result: Result<T>): Done<T> {
	if (!result.ok) throw ApiError.from(result.error);
	return { value: result.value, replayed: result.replayed === true };
}

/** Who asked, as the audit log records it. */
export const auditActor = (ctx: ChangeContext): AuditActor => actorOf(ctx.principal, ctx.surface, ctx.request_id);

/** The fields every coordinator command takes from the context. */
export function commandBase(ctx: ChangeContext, worker: string, fingerprint?: string) {
	return {
		worker,
		...ctx.actor,
		audit: auditActor(ctx),
		at: ctx.deps.clock.now().toISOString(),
		preconditions:
			ctx.preconditions.idempotency_key === undefined ? ctx.preconditions : { ...ctx.preconditions, fingerprint },
	};
}

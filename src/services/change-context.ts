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
	actor: { author: Author; source: Source };
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

/** The fields every coordinator command takes from the context. */
export function commandBase(ctx: ChangeContext, worker: string, fingerprint?: string) {
	return {
		worker,
		...ctx.actor,
		at: ctx.deps.clock.now().toISOString(),
		preconditions:
			ctx.preconditions.idempotency_key === undefined ? ctx.preconditions : { ...ctx.preconditions, fingerprint },
	};
}

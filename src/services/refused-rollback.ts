import { ApiError } from "../errors/api-error";
import { emitEvent } from "../notifications/emit";
import { eventActor } from "../notifications/events";
import { auditActor, type ChangeContext } from "./change-context";

/**
 * Runs a change that may be a rollback; when the rollback rules refuse it, webhooks hear of it
 * (rollback.refused) before the refusal goes back to the caller, whichever surface asked.
 */
export async function notifyingRefusal<T>(ctx: ChangeContext, worker: string, change: () => Promise<T>): Promise<T> {
	try {
		return await change();
	} catch (error) {
		if (error instanceof ApiError && error.reason === "rollback_refused") {
			await emitEvent(ctx.env, ctx.deps, {
				type: "rollback.refused",
				worker,
				data: { worker, message: error.message, details: error.details ?? null, actor: eventActor(auditActor(ctx)) },
			});
		}
		throw error;
	}
}

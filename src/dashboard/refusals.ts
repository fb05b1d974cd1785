import type { Context } from "hono";
import { REFUSAL_STATUSES } from "../audit-log/entry";
import { actorOf, recordRefusal } from "../audit-log/record";
import { authorOf } from "../auth/principal";
import type { ApiError } from "../errors/api-error";
import type { AppEnv } from "../http/app-env";
import type { ChangeContext } from "../services/change-context";

/**
 * What a dashboard form hands the service layer: the signed-in person, and the active deployment the page
 * showed as If-Match, so a change made on a stale page is refused rather than applied over someone else's.
 */
export function dashboardContext(c: Context<AppEnv>, shownActive: string): ChangeContext {
	const principal = c.var.principal;
	return {
		env: c.env,
		deps: c.var.deps,
		actor: { author: authorOf(principal), source: "dashboard" },
		principal,
		surface: "dashboard",
		preconditions: { if_match: shownActive, require_if_match: true },
		request_id: c.var.requestId,
	};
}

/** A refusal the page answers itself (rather than throwing) is recorded as the API would record it. */
export async function recordDashboardRefusal(c: Context<AppEnv>, error: ApiError): Promise<void> {
	if (!REFUSAL_STATUSES.has(error.status)) return;
	try {
		await recordRefusal(c.env.DB, c.var.deps, actorOf(c.var.principal ?? null, "dashboard", c.var.requestId), {
			action: c.var.policy?.action ?? "dashboard.request",
			worker: c.var.worker ?? null,
			refusal: { status: error.status, message: error.message, code: error.code, reason: error.reason },
			details: { method: c.req.method, path: c.req.path },
		});
	} catch (recording) {
		console.error(JSON.stringify({ at: "dashboard.refusal", error: String(recording) }));
	}
}

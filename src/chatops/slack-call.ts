import { type AuditSource, REFUSAL_STATUSES } from "../audit-log/entry";
import { actorOf, recordRefusal } from "../audit-log/record";
import type { Principal } from "../auth/principal";
import { authorOf } from "../auth/principal";
import { grantsOf } from "../auth/tokens";
import { authorize, type Scope } from "../core/scopes";
import type { Deps } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import { reasonOf } from "../errors/reasons";
import type { ChangeContext } from "../services/change-context";
import { findSlackUser } from "../storage/chatops";

const SURFACE: AuditSource = "chatops";

/** One request from Slack, once verified: who sent it, and as whom they act in shiplog (null: unmapped). */
export interface SlackCall {
	env: Env;
	deps: Deps;
	request_id: string;
	/** shiplog's own origin as Slack reached it, for links back (the full diff). */
	origin: string;
	team_id: string;
	user_id: string;
	principal: Principal | null;
}

export type MappedCall = SlackCall & { principal: Principal };

/** `slack:T…/U…`: the Slack user, kept in the audit log where a token's prefix would be. */
export const slackIdentity = (team_id: string, user_id: string) => `slack:${team_id}/${user_id}`;

/** The principal a Slack user acts as, from the admin's mapping or a redeemed link code. */
export async function slackPrincipal(db: D1Database, team_id: string, user_id: string): Promise<Principal | null> {
	const record = await findSlackUser(db, team_id, user_id);
	if (!record) return null;
	return {
		id: record.principal,
		email: record.email,
		kind: "slack",
		token_id: null,
		token_prefix: slackIdentity(team_id, user_id),
		grants: grantsOf(record.scopes),
	};
}

/** What the service layer gets from Slack: the mapped principal, surface chatops, and If-Match when acting. */
export function chatopsContext(call: MappedCall, if_match?: string): ChangeContext {
	return {
		env: call.env,
		deps: call.deps,
		actor: { author: authorOf(call.principal), source: "chatops" },
		principal: call.principal,
		surface: SURFACE,
		preconditions: if_match === undefined ? {} : { if_match },
		request_id: call.request_id,
	};
}

/** Records a refusal on the Slack surface (the /v1 surface does this in its access control). */
export async function recordSlackRefusal(
	call: SlackCall,
	action: string,
	worker: string | null,
	error: ApiError,
): Promise<void> {
	if (!REFUSAL_STATUSES.has(error.status)) return;
	const actor = {
		...actorOf(call.principal, SURFACE, call.request_id),
		token_prefix: slackIdentity(call.team_id, call.user_id),
	};
	try {
		await recordRefusal(call.env.DB, call.deps, actor, {
			action,
			worker,
			refusal: {
				status: error.status,
				message: error.message,
				code: error.code,
				...(reasonOf(error.details) ? { reason: reasonOf(error.details) } : {}),
			},
		});
	} catch (cause) {
		console.error(JSON.stringify({ at: "chatops.refusal", error: String(cause) }));
	}
}

/** The scope check every command makes, worded for a person in Slack: an ApiError 403 when it is missing. */
export function requireSlackScope(call: MappedCall, scope: Scope, worker: string): void {
	const decision = authorize(call.principal.grants, { scope, worker });
	if (decision.allowed) return;
	throw ApiError.because(
		"forbidden",
		"scope_missing",
		`You (as ${call.principal.id}) may not do that to ${worker}: it needs the ${scope} scope for it (${decision.missing}). Ask a shiplog admin to add it to your Slack mapping.`,
	);
}

import type { AuditActor } from "../audit-log/entry";
import { auditEntry, recordAudit } from "../audit-log/record";
import { sha256Hex } from "../core/hash";
import { authorize, formatGrant, type Grant, matchesWorker, parseGrant } from "../core/scopes";
import type { Deps } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import {
	deleteSlackUser as deleteRow,
	getSlackUser,
	insertLinkCode,
	insertSlackUser,
	redeemLinkCode,
	type SlackUserRecord,
} from "../storage/chatops";
import { auditActor, type ChangeContext } from "./change-context";
import { checkedScopes, checkPrincipal, emailFor } from "./token-service";

/** How long a link code works: long enough to switch to Slack and type it, short enough not to linger. */
export const LINK_CODE_TTL_MS = 10 * 60 * 1000;
/** No 0/O, 1/I/L, U: easy to read aloud and type on a phone. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
const CODE_LENGTH = 12;

export interface CreateSlackUserInput {
	team_id: string;
	user_id: string;
	principal: string;
	email?: string;
	scopes: string[];
}

const slackIdentity = (team_id: string, user_id: string) => `slack:${team_id}/${user_id}`;

/** An admin maps a Slack user to a principal with scopes. A user already mapped is a 409: delete it first. */
export async function createSlackUser(ctx: ChangeContext, input: CreateSlackUserInput): Promise<SlackUserRecord> {
	checkPrincipal(input.principal);
	const record: SlackUserRecord = {
		id: ctx.deps.ids.uuid(),
		team_id: input.team_id,
		user_id: input.user_id,
		principal: input.principal,
		email: emailFor(input.principal, input.email),
		scopes: checkedScopes(input.scopes),
		created_on: ctx.deps.clock.now().toISOString(),
		created_by: ctx.principal.id,
		via: "admin",
	};
	if (!(await insertSlackUser(ctx.env.DB, record))) {
		throw new ApiError(
			"conflict",
			`Slack user ${input.user_id} of team ${input.team_id} is already mapped; delete that mapping (DELETE /v1/chatops/slack/users/{id}) to change it.`,
		);
	}
	await recordAudit(ctx.env.DB, auditEntry(ctx.deps, auditActor(ctx), mappingAudit("chatops.user.create", record)));
	return record;
}

export async function deleteSlackUser(ctx: ChangeContext, id: string): Promise<SlackUserRecord> {
	const record = await getSlackUser(ctx.env.DB, id);
	if (!record || !(await deleteRow(ctx.env.DB, id))) {
		throw new ApiError("not_found", `No Slack user mapping has the id ${id}.`);
	}
	await recordAudit(ctx.env.DB, auditEntry(ctx.deps, auditActor(ctx), mappingAudit("chatops.user.delete", record)));
	return record;
}

function mappingAudit(action: string, record: SlackUserRecord) {
	return {
		action,
		outcome: "success" as const,
		target_type: "slack_user",
		target_id: record.id,
		details: {
			slack: slackIdentity(record.team_id, record.user_id),
			principal: record.principal,
			scopes: record.scopes,
			via: record.via,
		},
	};
}

/** Whether the caller's grants cover `grant`: the scope is given, on the same Workers or more. */
const covers = (grants: readonly Grant[], grant: Grant) =>
	grants.some(
		(held) =>
			authorize([held], { scope: grant.scope, someWorker: true }).allowed && matchesWorker(held.workers, grant.workers),
	);

function newCode(): string {
	let code = "";
	for (const byte of crypto.getRandomValues(new Uint8Array(64))) {
		// 240 = 8 × 30: bytes above are redrawn so each symbol is equally likely.
		if (byte < 240 && code.length < CODE_LENGTH) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
	}
	if (code.length < CODE_LENGTH) return newCode();
	return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

const codeHash = (code: string) => sha256Hex(code.toUpperCase().replaceAll("-", ""));

/**
 * Self-service linking, step one: a principal with a token asks for a one-time code that carries its own
 * scopes (or fewer). Typing `/shiplog link <code>` in Slack within ten minutes maps that Slack user to it.
 */
export async function createLinkCode(
	ctx: ChangeContext,
	input: { scopes?: string[] },
): Promise<{ code: string; expires_on: string; principal: string; scopes: string[] }> {
	const principal = ctx.principal;
	if (principal.kind !== "token") {
		throw new ApiError(
			"invalid_request",
			"Link codes are made with a person's own API token; the admin token maps Slack users with POST /v1/chatops/slack/users.",
		);
	}
	const held = principal.grants.map(formatGrant);
	const scopes = input.scopes === undefined ? held : checkedScopes(input.scopes);
	const beyond = scopes.filter((text) => {
		const grant = parseGrant(text);
		return "error" in grant || !covers(principal.grants, grant);
	});
	if (beyond.length > 0 || scopes.length === 0) {
		throw new ApiError(
			"forbidden",
			`A link code can carry only scopes this token has (${held.join(", ") || "none"}); not ${beyond.join(", ") || "an empty list"}.`,
		);
	}
	const code = newCode();
	const now = ctx.deps.clock.now();
	const expires_on = new Date(now.getTime() + LINK_CODE_TTL_MS).toISOString();
	await insertLinkCode(ctx.env.DB, {
		hash: await codeHash(code),
		principal: principal.id,
		email: principal.email,
		scopes,
		created_on: now.toISOString(),
		expires_on,
	});
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "chatops.link_code.create",
			outcome: "success",
			details: { scopes, expires_on },
		}),
	);
	return { code, expires_on, principal: principal.id, scopes };
}

/** Step two, from Slack: the code is used up and the Slack user is mapped to the code's principal. */
export async function redeemLink(
	env: Env,
	deps: Deps,
	slack: { team_id: string; user_id: string; request_id: string },
	code: string,
): Promise<SlackUserRecord> {
	const now = deps.clock.now().toISOString();
	const identity = slackIdentity(slack.team_id, slack.user_id);
	const found = await redeemLinkCode(env.DB, await codeHash(code), now, identity);
	if (!found) {
		throw ApiError.because(
			"unauthorized",
			"link_code_invalid",
			"That link code is unknown, already used or expired. Make a new one with your token: POST /v1/chatops/slack/link-codes.",
		);
	}
	const record: SlackUserRecord = {
		id: deps.ids.uuid(),
		team_id: slack.team_id,
		user_id: slack.user_id,
		principal: found.principal,
		email: found.email,
		scopes: found.scopes,
		created_on: now,
		created_by: found.principal,
		via: "link",
	};
	if (!(await insertSlackUser(env.DB, record))) {
		throw new ApiError(
			"conflict",
			"Your Slack user is already linked to shiplog; ask an admin to delete that mapping first.",
		);
	}
	const actor: AuditActor = {
		principal_id: record.principal,
		principal_kind: "slack",
		token_prefix: identity,
		source: "chatops",
		request_id: slack.request_id,
	};
	await recordAudit(env.DB, auditEntry(deps, actor, mappingAudit("chatops.user.link", record)));
	return record;
}

import { auditEntry, recordAudit } from "../audit-log/record";
import { newTokenSecret, tokenHash } from "../auth/tokens";
import { formatGrant, parseGrant } from "../core/scopes";
import { displayPrefix } from "../core/token-format";
import { ApiError } from "../errors/api-error";
import { getToken, insertToken, revokeToken as markRevoked, type TokenRecord } from "../storage/tokens";
import { auditActor, type ChangeContext } from "./change-context";

/** Names shiplog itself uses as authors; a token may not pose as them. */
const RESERVED_PRINCIPALS = new Set(["admin", "shiplog"]);
const PRINCIPAL = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,253}$/;
const MAX_LIFETIME_MS = 2 * 365 * 24 * 60 * 60 * 1000;

export interface CreateTokenInput {
	principal: string;
	email?: string;
	scopes: string[];
	description?: string;
	expires_on?: string;
	expires_in_seconds?: number;
}

function invalid(path: string, message: string): ApiError {
	return new ApiError("invalid_request", `Invalid request: ${path}: ${message}`, { issues: [{ path, message }] });
}

/** The scopes as they will be stored: each checked, duplicates dropped, in a stable order. */
export function checkedScopes(scopes: string[]): string[] {
	const issues: { path: string; message: string }[] = [];
	const out = new Set<string>();
	scopes.forEach((text, i) => {
		const grant = parseGrant(text);
		if ("error" in grant) issues.push({ path: `scopes[${i}]`, message: grant.error });
		else out.add(formatGrant(grant));
	});
	if (issues.length > 0) {
		throw new ApiError(
			"invalid_request",
			`Invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
			{
				issues,
			},
		);
	}
	return [...out];
}

/** A principal a token (or a Slack user) may act as: not one of shiplog's own names. */
export function checkPrincipal(principal: string): void {
	if (!PRINCIPAL.test(principal)) {
		throw invalid("principal", "use an email or a name of letters, digits and . _ @ + -");
	}
	if (RESERVED_PRINCIPALS.has(principal.toLowerCase())) {
		throw invalid("principal", `${principal} is a name shiplog uses for itself`);
	}
}

/** The email recorded as author: given, the principal when it is one, or a local placeholder. */
export const emailFor = (principal: string, email?: string) =>
	email ?? (principal.includes("@") ? principal : `${principal}@shiplog.local`);

function expiry(ctx: ChangeContext, input: CreateTokenInput): string | null {
	if (input.expires_on !== undefined && input.expires_in_seconds !== undefined) {
		throw invalid("expires_on", "give expires_on or expires_in_seconds, not both");
	}
	const now = ctx.deps.clock.now().getTime();
	let at: number | null = null;
	if (input.expires_in_seconds !== undefined) at = now + input.expires_in_seconds * 1000;
	if (input.expires_on !== undefined) {
		at = Date.parse(input.expires_on);
		if (Number.isNaN(at)) throw invalid("expires_on", "must be an ISO 8601 time");
	}
	if (at === null) return null;
	if (at <= now) throw invalid("expires_on", "must be in the future");
	if (at - now > MAX_LIFETIME_MS) throw invalid("expires_on", "must be within two years");
	return new Date(at).toISOString();
}

/**
 * Creates a token for a principal. The token is in the answer and nowhere else: D1 keeps its SHA-256
 * and its prefix, the audit log its id and prefix.
 */
export async function createToken(
	ctx: ChangeContext,
	input: CreateTokenInput,
): Promise<{ token: string; record: TokenRecord }> {
	checkPrincipal(input.principal);
	const scopes = checkedScopes(input.scopes);
	const token = newTokenSecret();
	const record: TokenRecord = {
		id: ctx.deps.ids.uuid(),
		prefix: displayPrefix(token),
		principal: input.principal,
		email: emailFor(input.principal, input.email),
		description: input.description ?? null,
		scopes,
		created_on: ctx.deps.clock.now().toISOString(),
		created_by: ctx.principal.id,
		expires_on: expiry(ctx, input),
		revoked_on: null,
		revoked_by: null,
		last_used_on: null,
	};
	await insertToken(ctx.env.DB, { ...record, hash: await tokenHash(token) });
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "token.create",
			outcome: "success",
			target_type: "token",
			target_id: record.id,
			details: { prefix: record.prefix, principal: record.principal, scopes, expires_on: record.expires_on },
		}),
	);
	return { token, record };
}

/** Revokes a token at once: the next request that carries it is refused, on every isolate. */
export async function revokeToken(ctx: ChangeContext, id: string): Promise<TokenRecord> {
	const before = await getToken(ctx.env.DB, id);
	if (!before) throw new ApiError("not_found", `No token has the id ${id}.`);
	const record = before.revoked_on
		? before
		: await markRevoked(ctx.env.DB, id, ctx.principal.id, ctx.deps.clock.now().toISOString());
	if (!record) throw new ApiError("not_found", `No token has the id ${id}.`);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "token.revoke",
			outcome: before.revoked_on ? "unchanged" : "success",
			target_type: "token",
			target_id: id,
			details: { prefix: record.prefix, principal: record.principal },
		}),
	);
	return record;
}

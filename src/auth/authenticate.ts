import { wellFormedToken } from "../core/token-format";
import type { Deps } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import type { Reason } from "../errors/reasons";
import { findTokenByHash, touchToken } from "../storage/tokens";
import { bearerToken, secretsEqual } from "./bearer";
import { ADMIN, type Principal } from "./principal";
import { tokenHash, tokenPrincipal } from "./tokens";

/** A token's last use is written at most this often, not on every request. */
export const LAST_USED_INTERVAL_MS = 60_000;

export type Authentication =
	| {
			ok: true;
			principal: Principal /** Records the token's use; worth doing after the response. */;
			touch?: () => Promise<void>;
	  }
	| {
			ok: false;
			error: ApiError /** The prefix of a token that exists but no longer works. */;
			token_prefix: string | null;
	  };

const refuse = (reason: Reason, message: string, token_prefix: string | null = null): Authentication => ({
	ok: false,
	error: ApiError.because("unauthorized", reason, message),
	token_prefix,
});

/**
 * Who the bearer of `authorization` is: the admin (SHIPLOG_ADMIN_TOKEN), or the principal of a live API
 * token. Nothing is cached: every request reads the token's row by its hash, so a revocation or an expiry
 * holds for the very next request on every isolate. With no admin token configured shiplog refuses
 * everything rather than running open.
 */
export async function authenticate(
	env: Pick<Env, "DB" | "SHIPLOG_ADMIN_TOKEN">,
	deps: Deps,
	authorization: string | undefined,
): Promise<Authentication> {
	const admin = env.SHIPLOG_ADMIN_TOKEN;
	if (!admin) {
		throw new ApiError(
			"not_configured",
			"shiplog has no SHIPLOG_ADMIN_TOKEN secret configured, so it refuses every request. Set it with `wrangler secret put SHIPLOG_ADMIN_TOKEN` (or in .dev.vars locally).",
		);
	}
	const given = bearerToken(authorization);
	if (!given) return refuse("token_missing", "Send your shiplog token as `Authorization: Bearer <token>`.");
	if (await secretsEqual(given, admin)) return { ok: true, principal: ADMIN };
	// A made-up or mistyped token fails its checksum here, without a storage read.
	if (!wellFormedToken(given)) return refuse("token_invalid", "The bearer token is not valid.");
	const record = await findTokenByHash(env.DB, await tokenHash(given));
	if (!record) return refuse("token_invalid", "The bearer token is not valid.");
	const now = deps.clock.now();
	if (record.revoked_on) {
		return refuse(
			"token_revoked",
			`This token (${record.prefix}…) was revoked on ${record.revoked_on}.`,
			record.prefix,
		);
	}
	if (record.expires_on && Date.parse(record.expires_on) <= now.getTime()) {
		return refuse("token_expired", `This token (${record.prefix}…) expired on ${record.expires_on}.`, record.prefix);
	}
	const stale = !record.last_used_on || now.getTime() - Date.parse(record.last_used_on) >= LAST_USED_INTERVAL_MS;
	return {
		ok: true,
		principal: tokenPrincipal(record),
		touch: stale ? () => touchToken(env.DB, record.id, now, LAST_USED_INTERVAL_MS) : undefined,
	};
}

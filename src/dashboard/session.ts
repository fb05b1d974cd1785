import { secretsEqual } from "../auth/bearer";
import { ADMIN, type Principal } from "../auth/principal";
import { grantsOf, tokenHash } from "../auth/tokens";
import { sha256Hex } from "../core/hash";
import type { Deps } from "../deps/deps";
import {
	deleteSession,
	getSession,
	insertSession,
	purgeExpiredSessions,
	type SessionRecord,
	touchSession,
} from "../storage/sessions";
import { findTokenByHash, getToken, type TokenRecord } from "../storage/tokens";

/** The cookie holding the session id; it is scoped to /dashboard so nothing else on the origin receives it. */
export const SESSION_COOKIE = "shiplog_session";
/** A session ends this long after sign-in, whatever happens. */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;
/** ... or after this long without a request. */
export const SESSION_IDLE_MS = 60 * 60 * 1000;
/** last_seen_on is written at most this often, not on every page. */
const TOUCH_INTERVAL_MS = 60_000;

/** A signed-in person on this request: who they are (a `session` principal), and the session's CSRF token. */
export interface DashboardSession {
	principal: Principal;
	csrf: string;
	idHash: string;
}

/** What a sign-in token turned out to be. */
export type Credential = { kind: "admin"; hash: string } | { kind: "token"; record: TokenRecord };

const randomId = (bytes: number): string =>
	btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replaceAll("=", "");

const usable = (record: TokenRecord, now: Date): boolean =>
	!record.revoked_on && !(record.expires_on && Date.parse(record.expires_on) <= now.getTime());

/**
 * The credential a pasted token is, or null. Every attempt costs the same work, whichever way it fails:
 * the admin comparison and the hash lookup both always run (no format check first), and the caller is told
 * only "that token did not work", never whether it exists, was revoked or expired.
 */
export async function verifySignInToken(
	env: Pick<Env, "DB" | "SHIPLOG_ADMIN_TOKEN">,
	deps: Deps,
	given: string,
): Promise<Credential | null> {
	const admin = env.SHIPLOG_ADMIN_TOKEN ?? "";
	const hash = await tokenHash(given);
	const [isAdmin, record] = await Promise.all([
		admin ? secretsEqual(given, admin) : Promise.resolve(false),
		findTokenByHash(env.DB, hash),
	]);
	if (isAdmin) return { kind: "admin", hash: await sha256Hex(admin) };
	if (record && usable(record, deps.clock.now())) return { kind: "token", record };
	return null;
}

/** Opens a session for a verified credential; returns the id for the cookie (stored only as its hash). */
export async function openSession(db: D1Database, deps: Deps, credential: Credential): Promise<string> {
	const now = deps.clock.now();
	await purgeExpiredSessions(db, now.toISOString());
	const id = randomId(32);
	const record: SessionRecord = {
		id_hash: await sha256Hex(id),
		principal_kind: credential.kind,
		token_id: credential.kind === "token" ? credential.record.id : null,
		credential_hash: credential.kind === "admin" ? credential.hash : null,
		csrf_token: randomId(32),
		created_on: now.toISOString(),
		last_seen_on: now.toISOString(),
		expires_on: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000).toISOString(),
	};
	await insertSession(db, record);
	return id;
}

/** Who a session's token makes its holder, as a `session` principal; null once the token no longer works. */
async function principalOf(
	env: Pick<Env, "DB" | "SHIPLOG_ADMIN_TOKEN">,
	session: SessionRecord,
	now: Date,
): Promise<Principal | null> {
	if (session.principal_kind === "admin") {
		const admin = env.SHIPLOG_ADMIN_TOKEN;
		if (!admin || !session.credential_hash || (await sha256Hex(admin)) !== session.credential_hash) return null;
		return { ...ADMIN, kind: "session" };
	}
	const record = session.token_id ? await getToken(env.DB, session.token_id) : null;
	if (!record || !usable(record, now)) return null;
	return {
		id: record.principal,
		email: record.email,
		kind: "session",
		token_id: record.id,
		token_prefix: record.prefix,
		grants: grantsOf(record.scopes),
	};
}

/**
 * The session a cookie names, if it is live: not expired, not idle too long, and its token still works
 * (a revoked token ends its sessions on their next request). A dead session is deleted.
 */
export async function resumeSession(
	env: Pick<Env, "DB" | "SHIPLOG_ADMIN_TOKEN">,
	deps: Deps,
	id: string | undefined,
): Promise<DashboardSession | null> {
	if (!id || id.length > 64) return null;
	const idHash = await sha256Hex(id);
	const session = await getSession(env.DB, idHash);
	if (!session) return null;
	const now = deps.clock.now();
	const idle = now.getTime() - Date.parse(session.last_seen_on) > SESSION_IDLE_MS;
	const expired = Date.parse(session.expires_on) <= now.getTime();
	const principal = idle || expired ? null : await principalOf(env, session, now);
	if (!principal) {
		await deleteSession(env.DB, idHash);
		return null;
	}
	if (now.getTime() - Date.parse(session.last_seen_on) >= TOUCH_INTERVAL_MS) {
		await touchSession(env.DB, idHash, now.toISOString());
	}
	return { principal, csrf: session.csrf_token, idHash };
}

export const closeSession = (db: D1Database, idHash: string) => deleteSession(db, idHash);

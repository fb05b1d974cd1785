import type { Author } from "../core/model";
import type { Grant } from "../core/scopes";

/**
 * How a caller proved who it is. `admin` is SHIPLOG_ADMIN_TOKEN (the bootstrap); `token` an API token;
 * `slack` a Slack user mapped to a principal; `session` a dashboard sign-in; `system` shiplog itself
 * (the cron, the edge's automatic rollbacks).
 */
export const PRINCIPAL_KINDS = ["admin", "token", "slack", "session", "system"] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Who is making a request: what they may do, and the author recorded on what they create. */
export interface Principal {
	/** Stable across this principal's tokens: a person's email, a pipeline's name, "admin". */
	id: string;
	/** Recorded as the author's email (Cloudflare's author_email). */
	email: string;
	kind: PrincipalKind;
	/** The API token used, when there is one (its id and non-secret prefix). */
	token_id: string | null;
	token_prefix: string | null;
	grants: readonly Grant[];
}

const EVERYTHING: readonly Grant[] = [{ scope: "admin", workers: "*" }];

export const ADMIN: Principal = {
	id: "admin",
	email: "admin@shiplog.local",
	kind: "admin",
	token_id: null,
	token_prefix: null,
	grants: EVERYTHING,
};

/** shiplog acting on its own (automatic rollbacks, the cron): recorded, never authorised by a token. */
export const SYSTEM: Principal = {
	id: "shiplog",
	email: "shiplog@shiplog.local",
	kind: "system",
	token_id: null,
	token_prefix: null,
	grants: EVERYTHING,
};

export const authorOf = (principal: Principal): Author => ({ id: principal.id, email: principal.email });

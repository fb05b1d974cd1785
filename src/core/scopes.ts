import { WORKER_NAME } from "./model";

/**
 * What a principal may do. `deploy` covers uploads, deployments and settings; `admin` covers tokens,
 * webhooks, audit runs and everything else. `resources` and `admin` are account-wide; the others are
 * held for all Workers or for Workers whose names match a pattern.
 */
export const SCOPES = ["read", "deploy", "rollback", "secrets", "resources", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes that are about the account as a whole, never about some Workers. */
export const ACCOUNT_SCOPES: readonly Scope[] = ["resources", "admin"];

/**
 * What holding a scope gives on the same Workers. Deploying an older version is a rollback, so whoever
 * may deploy may roll back; anyone who may change a Worker may read it. Rollback does not give deploy:
 * that is the on-call case, people who may only put back what ran before.
 */
const GIVES: Record<Scope, readonly Scope[]> = {
	admin: SCOPES,
	deploy: ["deploy", "rollback", "read"],
	rollback: ["rollback", "read"],
	secrets: ["secrets", "read"],
	read: ["read"],
	resources: ["resources"],
};

/** One scope held for all Workers (`*`), one Worker by name, or names that start with a prefix (`checkout-*`). */
export interface Grant {
	scope: Scope;
	workers: string;
}

/** What a request needs: a scope on one Worker, on the account, or on at least one Worker (lists). */
export type Need =
	| { scope: Scope; worker: string }
	| { scope: Scope; account: true }
	| { scope: Scope; someWorker: true };

export type Decision = { allowed: true } | { allowed: false; missing: string; message: string };

const PREFIX_PATTERN = /^[a-z0-9][a-z0-9-]{0,61}\*$/;

/** Whether a Worker name matches a pattern: `*`, an exact name, or a prefix followed by `*`. */
export function matchesWorker(pattern: string, worker: string): boolean {
	if (pattern === "*") return true;
	if (pattern.endsWith("*")) return worker.startsWith(pattern.slice(0, -1));
	return pattern === worker;
}

export function formatGrant(grant: Grant): string {
	return grant.workers === "*" ? grant.scope : `${grant.scope}:${grant.workers}`;
}

/** `read`, `deploy:checkout-*`, `rollback:payments`: a grant, or a sentence saying what is wrong with it. */
export function parseGrant(text: string): Grant | { error: string } {
	const [scope, workers = "*", ...rest] = text.split(":");
	if (!(SCOPES as readonly string[]).includes(scope ?? "") || rest.length > 0) {
		return {
			error: `${JSON.stringify(text)} is not a scope: use one of ${SCOPES.join(", ")}, optionally :<Worker pattern>`,
		};
	}
	const name = scope as Scope;
	if (ACCOUNT_SCOPES.includes(name) && workers !== "*") {
		return { error: `${name} is account-wide and takes no Worker pattern` };
	}
	if (workers !== "*" && !WORKER_NAME.test(workers) && !PREFIX_PATTERN.test(workers)) {
		return {
			error: `${JSON.stringify(workers)} is not a Worker pattern: use *, a Worker name, or a name prefix followed by * (checkout-*)`,
		};
	}
	return { scope: name, workers };
}

function grantGives(grant: Grant, need: Need): boolean {
	if (!GIVES[grant.scope].includes(need.scope)) return false;
	if ("worker" in need) return matchesWorker(grant.workers, need.worker);
	if ("account" in need) return grant.workers === "*";
	return true;
}

/**
 * The one decision every surface asks: may a principal holding `grants` do what `need` says? A refusal
 * names the missing scope in the form a token is created with, and never depends on what exists: a token
 * for one Worker learns nothing about another from it.
 */
export function authorize(grants: readonly Grant[], need: Need): Decision {
	if (grants.some((grant) => grantGives(grant, need))) return { allowed: true };
	const has = grants.length > 0 ? grants.map(formatGrant).join(", ") : "no scopes";
	if ("worker" in need) {
		const missing = `${need.scope}:${need.worker}`;
		return {
			allowed: false,
			missing,
			message: `This token may not do that to Worker ${need.worker}: it needs the ${need.scope} scope for it (${missing}, or ${need.scope} for all Workers); it has ${has}.`,
		};
	}
	return {
		allowed: false,
		missing: need.scope,
		message: `This token may not do that: it needs the ${need.scope} scope${"someWorker" in need ? " for at least one Worker" : ""}; it has ${has}.`,
	};
}

/** Whether the holder may read a Worker: what lists and the audit log filter on. */
export const mayRead = (grants: readonly Grant[], worker: string): boolean =>
	authorize(grants, { scope: "read", worker }).allowed;

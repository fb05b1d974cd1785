import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, type ErrorCode } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";

/**
 * Cloudflare's error codes that wrangler reacts to (see reference/cloudflare-api.md and the wrangler
 * notes). 10000 and 9106 are deliberately absent from everything but authentication: wrangler treats
 * them as "your token lacks permissions" and starts a whoami round.
 */
export const CF = {
	authentication: 10000,
	/**
	 * Cloudflare's "Unauthorized to access requested resource": a valid token without the scope. Not 10000
	 * or 9106, so wrangler prints shiplog's message (which names the missing scope) instead of a whoami round.
	 */
	forbidden: 9109,
	noRoute: 7000,
	unknownAccount: 7003,
	workerNotFound: 10007,
	versionNotFound: 10300,
	deploymentNotFound: 10301,
	secretNotFound: 10302,
	validation: 10021,
	scriptTooLarge: 10027,
	migrationInVersionUpload: 10211,
	migrationTagConflict: 10079,
	latestVersionNotDeployed: 10215,
	secretsChanged: 10220,
	noVersions: 10222,
	ruleRefused: 10224,
	conflict: 10013,
	rateLimited: 971,
	notConfigured: 10001,
	internal: 10002,
} as const;

/** What a shiplog error code becomes when no more specific Cloudflare code applies. */
const CODE_FOR: Record<ErrorCode, number> = {
	invalid_request: CF.validation,
	unauthorized: CF.authentication,
	forbidden: CF.forbidden,
	not_found: CF.workerNotFound,
	method_not_allowed: CF.noRoute,
	conflict: CF.conflict,
	precondition_failed: CF.conflict,
	payload_too_large: CF.scriptTooLarge,
	unsupported_media_type: CF.validation,
	rule_refused: CF.ruleRefused,
	idempotency_key_reused: CF.conflict,
	precondition_required: CF.conflict,
	rate_limited: CF.rateLimited,
	internal_error: CF.internal,
	not_configured: CF.notConfigured,
	unavailable: CF.internal,
};

/** Machine-readable reasons (ApiError `details.reason`) that have a Cloudflare code of their own. */
const CODE_FOR_REASON: Record<string, number> = {
	worker_not_found: CF.workerNotFound,
	version_not_found: CF.versionNotFound,
	version_pruned: CF.versionNotFound,
	deployment_not_found: CF.deploymentNotFound,
	secret_not_found: CF.secretNotFound,
	durable_object_migration_in_version_upload: CF.migrationInVersionUpload,
	migration_tag_mismatch: CF.migrationTagConflict,
	secrets_changed: CF.secretsChanged,
	latest_version_not_deployed: CF.latestVersionNotDeployed,
	no_versions: CF.noVersions,
	// Cloudflare refuses `secret put` unless the latest version is deployed at 100 %; shiplog changes the
	// active version, so the one case it refuses is a split, and wrangler's advice (10215) fits it.
	active_deployment_split: CF.latestVersionNotDeployed,
};

interface Refusal {
	code: string;
	overridable: boolean;
	message: string;
	details?: { secrets?: string[] };
}

/**
 * A refused rollback in Cloudflare's terms. When changed secrets are the only reason, it is 10220 with
 * Cloudflare's wording: wrangler parses the names after "The following secrets have changed:" (split on
 * ", ", so no trailing period), asks, and retries with ?force=true.
 */
export function rollbackRefusal(error: ApiError): CloudflareError | ApiError {
	const details = error.details as { reasons?: Refusal[] } | undefined;
	const reasons = Array.isArray(details?.reasons) ? details.reasons : [];
	if (error.code !== "rule_refused" || reasons.length === 0) return error;
	const blocking = reasons.filter((r) => !r.overridable);
	if (blocking.length > 0) {
		return new CloudflareError(CF.ruleRefused, blocking.map((r) => r.message).join(" "), 422);
	}
	const secrets = reasons.flatMap((r) => r.details?.secrets ?? []);
	return new CloudflareError(
		CF.secretsChanged,
		`A secret has changed since this version was active. If you are sure this is ok, add a ?force=true query parameter to allow the rollback. The following secrets have changed: ${secrets.join(", ")}`,
		422,
	);
}

/** An error in Cloudflare's terms, for failures that only this adapter knows how to name. */
export class CloudflareError extends Error {
	constructor(
		readonly code: number,
		message: string,
		readonly status: ContentfulStatusCode = 400,
	) {
		super(message);
		this.name = "CloudflareError";
	}
}

export interface Envelope<T> {
	success: boolean;
	errors: { code: number; message: string }[];
	messages: { code: number; message: string }[];
	result: T | null;
}

/** Wrangler reads only `success` and `result`; `messages` carries what shiplog wants a human to know. */
export function ok<T>(c: Context<AppEnv>, result: T, messages: string[] = [], status: ContentfulStatusCode = 200) {
	const body: Envelope<T> = {
		success: true,
		errors: [],
		messages: messages.map((message) => ({ code: 0, message })),
		result,
	};
	return c.json(body, status);
}

function fail(c: Context<AppEnv>, code: number, message: string, status: ContentfulStatusCode): Response {
	const body: Envelope<null> = { success: false, errors: [{ code, message }], messages: [], result: null };
	return c.json(body, status);
}

export function cloudflareCode(error: ApiError): number {
	const reason = error.reason;
	return (reason && CODE_FOR_REASON[reason]) || CODE_FOR[error.code];
}

/** Every failure under /client/v4 leaves in Cloudflare's envelope; anything unexpected is logged and opaque. */
export function cloudflareOnError(err: Error, c: Context<AppEnv>): Response {
	if (err instanceof CloudflareError) return fail(c, err.code, err.message, err.status);
	if (err instanceof ApiError) {
		const refusal = rollbackRefusal(err);
		if (refusal instanceof CloudflareError) return fail(c, refusal.code, refusal.message, refusal.status);
		return fail(c, cloudflareCode(err), err.message, err.status);
	}
	if (err instanceof HTTPException && err.status < 500) {
		return fail(c, CF.validation, err.message || "The request could not be read.", err.status);
	}
	console.error(
		JSON.stringify({
			at: "cloudflare.onError",
			request_id: c.get("requestId"),
			path: c.req.path,
			error: String(err?.stack ?? err),
		}),
	);
	return fail(c, CF.internal, "shiplog failed to handle this request; it has been logged.", 500);
}

export function unsupported(c: Context<AppEnv>): Response {
	return fail(
		c,
		CF.noRoute,
		`No route for that URI: shiplog's Cloudflare-compatible API does not support ${c.req.method} ${c.req.path}.`,
		404,
	);
}

import type { Deps } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import { decryptSecret, encryptSecret, seal, UnopenableSecret } from "../secrets/cipher";
import { keyRing } from "../secrets/key-ring";
import {
	resealWebhookTarget,
	type SealedTarget,
	type WebhookFormat,
	webhooksSealedWithOtherKeys,
} from "../storage/webhooks";

/** Where a webhook delivers and what it signs with: both secret, so both stay encrypted at rest. */
export interface WebhookTarget {
	url: string;
	/** `whsec_…` for Standard Webhooks receivers; null for Slack, which needs no signature. */
	secret: string | null;
}

/** Names the ciphertext's additional data; not a valid Worker name, so it cannot meet a Worker's secret. */
const SEAL_OWNER = "~webhooks";

/**
 * A receiver's URL as shiplog accepts it: http or https, no credentials in it (they would be stored and
 * sent with every delivery; use the signature instead), at most 2 KiB.
 */
export function checkWebhookUrl(raw: string): URL {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ApiError("invalid_request", "url is not an absolute URL.");
	}
	if (url.protocol !== "https:" && url.protocol !== "http:") {
		throw new ApiError("invalid_request", `url must be http or https, not ${url.protocol.replace(":", "")}.`);
	}
	if (url.username || url.password) {
		throw new ApiError(
			"invalid_request",
			"url must not carry credentials (user:password@); receivers verify deliveries with the webhook-signature header.",
		);
	}
	if (raw.length > 2048) throw new ApiError("invalid_request", "url is longer than 2048 characters.");
	url.hash = "";
	return url;
}

const SLACK_HOSTS = new Set(["hooks.slack.com", "hooks.slack-gov.com"]);

export const isSlackUrl = (url: URL) => url.protocol === "https:" && SLACK_HOSTS.has(url.hostname);

/** The URL as listed: a Slack webhook's last path segment (its secret) and any query string are hidden. */
export function displayUrl(url: URL, format: WebhookFormat): string {
	let path = url.pathname;
	if (format === "slack") path = path.replace(/[^/]+$/, "…");
	return `${url.origin}${path}${url.search ? "?…" : ""}`;
}

export async function sealTarget(
	env: Pick<Env, "SHIPLOG_SECRETS_KEY">,
	deps: Deps,
	webhookId: string,
	target: WebhookTarget,
): Promise<SealedTarget> {
	const ring = await keyRing(env);
	const record = await encryptSecret(ring, deps, SEAL_OWNER, webhookId, JSON.stringify(target));
	return { sealed: record.ciphertext, sealed_iv: record.iv, sealed_ref: record.id, sealed_key_id: record.key_id };
}

export async function openTarget(
	env: Pick<Env, "SHIPLOG_SECRETS_KEY">,
	webhook: SealedTarget & { id: string },
): Promise<WebhookTarget> {
	return JSON.parse(await decryptSecret(await keyRing(env), asSecretValue(webhook))) as WebhookTarget;
}

/** A sealed target as cipher.ts reads a secret value (a target without a key id is opened by whichever key opens it). */
const asSecretValue = (webhook: SealedTarget & { id: string }) => ({
	id: webhook.sealed_ref,
	worker: SEAL_OWNER,
	name: webhook.id,
	ciphertext: webhook.sealed,
	iv: webhook.sealed_iv,
	created_on: "",
	key_id: webhook.sealed_key_id,
});

/**
 * After a key rotation, seals live webhooks' targets under the current key (the cron, beside resealSecrets), so
 * the retired key can be removed without losing a receiver. Targets no configured key opens are reported.
 */
export async function resealWebhookTargets(
	env: Pick<Env, "DB" | "SHIPLOG_SECRETS_KEY" | "SHIPLOG_SECRETS_KEYS_RETIRED">,
	limit = 100,
): Promise<{ resealed: number; unopenable: string[] }> {
	const ring = await keyRing(env);
	const report = { resealed: 0, unopenable: [] as string[] };
	for (const webhook of await webhooksSealedWithOtherKeys(env.DB, ring.current.id, limit)) {
		const record = asSecretValue(webhook);
		try {
			const after = await seal(ring, record, await decryptSecret(ring, record));
			const resealed = { sealed: after.ciphertext, sealed_iv: after.iv, sealed_key_id: after.key_id };
			if (await resealWebhookTarget(env.DB, webhook.id, webhook, resealed)) report.resealed += 1;
		} catch (error) {
			if (!(error instanceof UnopenableSecret)) throw error;
			report.unopenable.push(webhook.id);
		}
	}
	return report;
}

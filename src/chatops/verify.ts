import { secretsEqual } from "../auth/bearer";
import { toHex } from "../core/hash";

/**
 * Slack's request signing ("Verifying requests from Slack"): HMAC-SHA256 with the app's signing secret over
 * `v0:{X-Slack-Request-Timestamp}:{raw body}`, sent as `X-Slack-Signature: v0=<hex>`. A timestamp more
 * than five minutes from now is refused, so a captured request cannot be replayed later.
 */
export const SLACK_WINDOW_SECONDS = 5 * 60;

export interface SignedRequest {
	timestamp: string | null | undefined;
	signature: string | null | undefined;
	/** The body exactly as received, before any parsing. */
	body: string;
}

export type Verification = { ok: true } | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

const encoder = new TextEncoder();
const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

async function hmacHex(secret: string, text: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
}

/** What Slack sends as X-Slack-Signature for this body at this time. */
export async function slackSignature(secret: string, timestamp: string, body: string): Promise<string> {
	return `v0=${await hmacHex(secret, `v0:${timestamp}:${body}`)}`;
}

export async function verifySlackRequest(
	secret: string,
	request: SignedRequest,
	nowSeconds: number,
): Promise<Verification> {
	const { timestamp, signature, body } = request;
	if (!timestamp || !signature) return { ok: false, reason: "missing" };
	if (!TIMESTAMP.test(timestamp) || !SIGNATURE.test(signature)) return { ok: false, reason: "malformed" };
	if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_WINDOW_SECONDS) return { ok: false, reason: "stale" };
	const expected = await slackSignature(secret, timestamp, body);
	return (await secretsEqual(expected, signature)) ? { ok: true } : { ok: false, reason: "mismatch" };
}

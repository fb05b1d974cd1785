/**
 * Standard Webhooks 1.0 signing (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md):
 * HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with the secret's bytes, sent as
 * `webhook-signature: v1,<base64>`. Secrets are shown as `whsec_<base64>`.
 */
export const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
	const binary = atob(text);
	const out = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
	return out;
}

/** A new signing secret: 32 random bytes. */
export function newSigningSecret(): string {
	return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

/** The `webhook-signature` value for one message (`v1,<base64 HMAC>`). `timestamp` is Unix seconds. */
export async function signMessage(secret: string, id: string, timestamp: number, body: string): Promise<string> {
	const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
	const key = await crypto.subtle.importKey("raw", fromBase64(raw), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
	const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
	return `v1,${toBase64(new Uint8Array(mac))}`;
}

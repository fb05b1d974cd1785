import { toHex } from "../core/hash";
import { ApiError } from "../errors/api-error";

/**
 * The keys that seal secret values. SHIPLOG_SECRETS_KEY is the current key: it seals every new value.
 * SHIPLOG_SECRETS_KEYS_RETIRED (comma-separated) are earlier keys: they only open values sealed before
 * a rotation, until the cron has re-sealed those with the current key. Each key's id is derived from its
 * bytes, so a key is recognised wherever it is configured and no id can be mistyped.
 */
export interface KeyRing {
	current: SealingKey;
	/** Every key by id, the current one included. */
	keys: Map<string, SealingKey>;
	/** Keys an HMAC of secret values for request fingerprints, so a value is never stored, even hashed alone. */
	fingerprint: CryptoKey;
}

export interface SealingKey {
	id: string;
	key: CryptoKey;
}

type KeyVars = Pick<Env, "SHIPLOG_SECRETS_KEY" | "SHIPLOG_SECRETS_KEYS_RETIRED">;

const encoder = new TextEncoder();

export function fromBase64(value: string): Uint8Array {
	const binary = atob(value);
	const out = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
	return out;
}

export function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

let cached: { source: string; ring: Promise<KeyRing> } | null = null;

/**
 * The key ring from configuration, imported once per isolate. Unset or malformed, secret operations
 * answer 503 rather than storing values unencrypted.
 */
export function keyRing(env: KeyVars): Promise<KeyRing> {
	const source = `${env.SHIPLOG_SECRETS_KEY ?? ""}|${env.SHIPLOG_SECRETS_KEYS_RETIRED ?? ""}`;
	if (cached?.source !== source) {
		const ring = importRing(env);
		ring.catch(() => {
			if (cached?.ring === ring) cached = null;
		});
		cached = { source, ring };
	}
	return cached.ring;
}

async function importRing(env: KeyVars): Promise<KeyRing> {
	if (!env.SHIPLOG_SECRETS_KEY) {
		throw new ApiError(
			"not_configured",
			"shiplog has no SHIPLOG_SECRETS_KEY secret configured, so it cannot store or read secret values. Set it to the base64 of 32 random bytes with `wrangler secret put SHIPLOG_SECRETS_KEY`.",
		);
	}
	const currentRaw = rawKey(env.SHIPLOG_SECRETS_KEY, "SHIPLOG_SECRETS_KEY");
	const retiredRaw = (env.SHIPLOG_SECRETS_KEYS_RETIRED ?? "")
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean)
		.map((s, i) => rawKey(s, `SHIPLOG_SECRETS_KEYS_RETIRED entry ${i + 1}`));
	const current = await sealingKey(currentRaw);
	const keys = new Map<string, SealingKey>([[current.id, current]]);
	for (const raw of retiredRaw) {
		const key = await sealingKey(raw);
		if (!keys.has(key.id)) keys.set(key.id, key);
	}
	const fingerprintBytes = await crypto.subtle.sign(
		"HMAC",
		await crypto.subtle.importKey("raw", currentRaw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
		encoder.encode("shiplog/fingerprint/v1"),
	);
	const fingerprint = await crypto.subtle.importKey("raw", fingerprintBytes, { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	return { current, keys, fingerprint };
}

function rawKey(value: string, name: string): Uint8Array {
	let bytes: Uint8Array;
	try {
		bytes = fromBase64(value.trim());
	} catch {
		bytes = new Uint8Array();
	}
	if (bytes.byteLength !== 32) throw new ApiError("not_configured", `${name} must be the base64 of exactly 32 bytes.`);
	return bytes;
}

async function sealingKey(raw: Uint8Array): Promise<SealingKey> {
	const digest = await crypto.subtle.digest(
		"SHA-256",
		new Uint8Array([...encoder.encode("shiplog/key-id/v1\n"), ...raw]),
	);
	return {
		id: toHex(digest).slice(0, 16),
		key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
	};
}

/** An HMAC of a secret value for a request fingerprint: equal values give equal MACs, and nothing can be guessed. */
export async function secretMac(ring: KeyRing, context: string, value: string): Promise<string> {
	return toHex(await crypto.subtle.sign("HMAC", ring.fingerprint, encoder.encode(`${context}\n${value}`)));
}

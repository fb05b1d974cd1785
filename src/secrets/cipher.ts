import type { Deps } from "../deps/deps";
import { ApiError } from "../errors/api-error";

/** One encrypted secret value, as stored in D1 (secret_values). Holds no plaintext. */
export interface SecretValueRecord {
	id: string;
	worker: string;
	name: string;
	ciphertext: string;
	iv: string;
	created_on: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fromBase64(value: string): Uint8Array {
	const binary = atob(value);
	const out = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
	return out;
}

function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

/**
 * Imports SHIPLOG_SECRETS_KEY (base64 of 32 bytes). Unset or malformed, secret operations answer 503
 * rather than storing values unencrypted.
 */
export async function secretsKey(env: Pick<Env, "SHIPLOG_SECRETS_KEY">): Promise<CryptoKey> {
	const raw = env.SHIPLOG_SECRETS_KEY;
	if (!raw) {
		throw new ApiError(
			"not_configured",
			"shiplog has no SHIPLOG_SECRETS_KEY secret configured, so it cannot store or read secret values. Set it to the base64 of 32 random bytes with `wrangler secret put SHIPLOG_SECRETS_KEY`.",
		);
	}
	let bytes: Uint8Array;
	try {
		bytes = fromBase64(raw.trim());
	} catch {
		bytes = new Uint8Array();
	}
	if (bytes.byteLength !== 32) {
		throw new ApiError("not_configured", "SHIPLOG_SECRETS_KEY must be the base64 of exactly 32 bytes.");
	}
	return crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
}

// Binding the ciphertext to its row means a row copied under another Worker or name fails to decrypt.
const additionalData = (r: Pick<SecretValueRecord, "id" | "worker" | "name">) =>
	encoder.encode(`shiplog/secret/v1\n${r.worker}\n${r.name}\n${r.id}`);

export async function encryptSecret(
	key: CryptoKey,
	deps: Deps,
	worker: string,
	name: string,
	value: string,
): Promise<SecretValueRecord> {
	const id = deps.ids.uuid();
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const sealed = await crypto.subtle.encrypt(
		{ name: "AES-GCM", iv, additionalData: additionalData({ id, worker, name }) },
		key,
		encoder.encode(value),
	);
	return {
		id,
		worker,
		name,
		ciphertext: toBase64(new Uint8Array(sealed)),
		iv: toBase64(iv),
		created_on: deps.clock.now().toISOString(),
	};
}

export async function decryptSecret(key: CryptoKey, record: SecretValueRecord): Promise<string> {
	const plain = await crypto.subtle.decrypt(
		{ name: "AES-GCM", iv: fromBase64(record.iv), additionalData: additionalData(record) },
		key,
		fromBase64(record.ciphertext),
	);
	return decoder.decode(plain);
}

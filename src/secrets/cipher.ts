import type { Deps } from "../deps/deps";
import { fromBase64, type KeyRing, toBase64 } from "./key-ring";

/** One encrypted secret value, as stored in D1 (secret_values). Holds no plaintext. */
export interface SecretValueRecord {
	id: string;
	worker: string;
	name: string;
	ciphertext: string;
	iv: string;
	created_on: string;
	/** The key that sealed it (key-ring.ts); null for values sealed before key ids existed. */
	key_id: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Binding the ciphertext to its row means a row copied under another Worker or name fails to decrypt.
const additionalData = (r: Pick<SecretValueRecord, "id" | "worker" | "name">) =>
	encoder.encode(`shiplog/secret/v1\n${r.worker}\n${r.name}\n${r.id}`);

/** Seals a value with the ring's current key, in a new row. */
export async function encryptSecret(
	ring: KeyRing,
	deps: Deps,
	worker: string,
	name: string,
	value: string,
): Promise<SecretValueRecord> {
	const id = deps.ids.uuid();
	return {
		id,
		worker,
		name,
		...(await seal(ring, { id, worker, name }, value)),
		created_on: deps.clock.now().toISOString(),
	};
}

/** The sealed form of `value` for the row `r`, under the current key: what a re-seal writes back. */
export async function seal(
	ring: KeyRing,
	r: Pick<SecretValueRecord, "id" | "worker" | "name">,
	value: string,
): Promise<Pick<SecretValueRecord, "ciphertext" | "iv" | "key_id">> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const sealed = await crypto.subtle.encrypt(
		{ name: "AES-GCM", iv, additionalData: additionalData(r) },
		ring.current.key,
		encoder.encode(value),
	);
	return { ciphertext: toBase64(new Uint8Array(sealed)), iv: toBase64(iv), key_id: ring.current.id };
}

/** A value that none of the configured keys opens (its key was removed from the ring). */
export class UnopenableSecret extends Error {
	constructor(readonly record: Pick<SecretValueRecord, "id" | "worker" | "name" | "key_id">) {
		super(`secret value ${record.id} of ${record.worker}/${record.name} is sealed with a key shiplog no longer has`);
	}
}

/** Opens a value with the key that sealed it (or, for values without a key id, with whichever key opens it). */
export async function decryptSecret(ring: KeyRing, record: SecretValueRecord): Promise<string> {
	const candidates =
		record.key_id === null ? [...ring.keys.values()] : [ring.keys.get(record.key_id)].filter((k) => k !== undefined);
	for (const { key } of candidates) {
		try {
			const plain = await crypto.subtle.decrypt(
				{ name: "AES-GCM", iv: fromBase64(record.iv), additionalData: additionalData(record) },
				key,
				fromBase64(record.ciphertext),
			);
			return decoder.decode(plain);
		} catch {
			// Not this key: try the next.
		}
	}
	throw new UnopenableSecret(record);
}

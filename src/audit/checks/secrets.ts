import { keyRing } from "../../secrets/key-ring";
import { secretRef } from "../../secrets/seal-upload";
import type { Observation } from "../model";
import type { WorkerFacts } from "../worker-facts";

/** What the secrets check reads of a stored secret value: never its ciphertext. */
export interface SealedValue {
	id: string;
	worker: string;
	name: string;
	created_on: string;
	/** Which key sealed it (src/secrets/key-ring.ts); null for values sealed before key ids existed. */
	key_id?: string | null;
}

/** The columns of secret_values the check reads. */
export const SEALED_VALUE_COLUMNS = "id, worker, name, created_on, key_id";

/** The id that stands for a value sealed before key ids existed (the cron re-seals those too). */
export const SINGLE_KEY_ID = "default";

/**
 * Which key sealed each value, and which keys are current. A value sealed with a key that is not current still
 * decrypts (while that key is configured) but should be re-encrypted before the key is removed.
 */
export interface SecretKeyring {
	keyOf(value: SealedValue): string;
	isCurrent(keyId: string): boolean;
}

/** A keyring that holds every value current: for a shiplog with no secrets key, where nothing can be re-sealed. */
export const singleKeyring: SecretKeyring = {
	keyOf: (value) => value.key_id ?? SINGLE_KEY_ID,
	isCurrent: () => true,
};

/**
 * The configured key ring as the check sees it: a value is current only when sealed by SHIPLOG_SECRETS_KEY;
 * one sealed by a retired key, or before key ids, waits for the cron's re-seal (src/secrets/reseal.ts).
 */
export async function configuredKeyring(env: Env): Promise<SecretKeyring> {
	try {
		const ring = await keyRing(env);
		return { keyOf: (value) => value.key_id ?? SINGLE_KEY_ID, isCurrent: (keyId) => keyId === ring.current.id };
	} catch {
		return singleKeyring;
	}
}

/**
 * Values sealed with a retired key (one finding per Worker and key: re-encrypt them), and, when
 * `maxAgeMs` is set, secrets of the active deployment whose value is older than that (rotate them).
 */
export function secretFindings(
	f: WorkerFacts,
	keyring: SecretKeyring,
	now: Date,
	maxAgeMs: number | null,
): Observation[] {
	const worker = f.record.name;
	const out: Observation[] = [];
	const retired = new Map<string, SealedValue[]>();
	for (const value of f.secret_values) {
		const key = keyring.keyOf(value);
		if (!keyring.isCurrent(key)) retired.set(key, [...(retired.get(key) ?? []), value]);
	}
	for (const [key, values] of [...retired].sort(([a], [b]) => a.localeCompare(b))) {
		const names = [...new Set(values.map((v) => v.name))].sort();
		out.push({
			check: "secrets",
			worker,
			subject: `key:${key}`,
			severity: "warning",
			message: `Worker ${worker} has ${values.length} secret value${values.length === 1 ? "" : "s"} sealed with retired key ${key} (${names.join(", ")}): re-encrypt them with the current key before that key is removed.`,
			details: { key_id: key, values: values.length, secrets: names },
		});
	}
	if (maxAgeMs === null) return out;
	const byId = new Map(f.secret_values.map((v) => [v.id, v]));
	const live = new Map<string, SealedValue>();
	for (const binding of f.active_versions.flatMap((v) => v.bindings)) {
		const ref = secretRef(binding);
		const value = ref ? byId.get(ref) : undefined;
		if (value) live.set(value.name, value);
	}
	for (const [name, value] of [...live].sort(([a], [b]) => a.localeCompare(b))) {
		if (now.getTime() - new Date(value.created_on).getTime() <= maxAgeMs) continue;
		out.push({
			check: "secrets",
			worker,
			subject: `age:${name}`,
			severity: "info",
			message: `Worker ${worker}: secret ${name} has not been rotated since ${value.created_on} (more than ${Math.round(maxAgeMs / 86_400_000)} days).`,
			details: { secret: name, set_on: value.created_on },
		});
	}
	return out;
}

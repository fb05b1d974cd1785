import type { Binding } from "../core/bindings";
import type { Deps } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import { encryptSecret, type SecretValueRecord } from "./cipher";
import { keyRing, secretMac } from "./key-ring";

/** The fields of a secret_key binding that are key material: sealed, never stored in a version or shown. */
const KEY_MATERIAL = ["key_base64", "key_jwk"] as const;

export interface SealedBindings {
	bindings: Binding[];
	secret_values: SecretValueRecord[];
	/** Each secret's value as a keyed MAC, for the request fingerprint (never the value, nor its plain hash). */
	macs: Record<string, string>;
}

/**
 * Replaces each uploaded secret value (a secret_text's text, a secret_key's key material) with a
 * reference to its encrypted row, so no version ever holds a value. The rows are written in the same batch
 * as the version that names them.
 */
export async function sealSecretBindings(
	env: Pick<Env, "SHIPLOG_SECRETS_KEY">,
	deps: Deps,
	worker: string,
	bindings: Binding[],
): Promise<SealedBindings> {
	const secrets = bindings.flatMap((b) => {
		const value = secretValueOf(b);
		return value === null ? [] : [{ binding: b, value }];
	});
	if (secrets.length === 0) return { bindings, secret_values: [], macs: {} };
	const ring = await keyRing(env);
	const secret_values: SecretValueRecord[] = [];
	const macs: Record<string, string> = {};
	const sealed = new Map<string, Binding>();
	for (const { binding, value } of secrets) {
		const record = await encryptSecret(ring, deps, worker, binding.name, value);
		secret_values.push(record);
		macs[binding.name] = await secretMac(ring, `${worker}/${binding.name}`, value);
		sealed.set(binding.name, sealedBinding(binding, record.id));
	}
	return { bindings: bindings.map((b) => sealed.get(b.name) ?? b), secret_values, macs };
}

/** The value an uploaded secret binding carries (a secret_key's material as JSON), or null for other bindings. */
function secretValueOf(b: Binding): string | null {
	if (b.type !== "secret_text" && b.type !== "secret_key") return null;
	if ("secret_ref" in b) {
		throw ApiError.because(
			"invalid_request",
			"secret_ref_in_upload",
			`Binding ${b.name}: secret_ref is set by shiplog, not by uploads. Send the value, or keep the current one with keep_bindings: ["${b.type}"].`,
		);
	}
	if (b.type === "secret_text") {
		if (typeof b.text === "string") return b.text;
		throw ApiError.because(
			"invalid_request",
			"secret_without_value",
			`Binding ${b.name} is a secret_text without text. Send its value as text, or keep the current one with keep_bindings: ["secret_text"].`,
		);
	}
	const material = Object.fromEntries(
		KEY_MATERIAL.flatMap((f) => (f in b ? [[f, (b as Record<string, unknown>)[f]]] : [])),
	);
	if (Object.keys(material).length === 1) return JSON.stringify(material);
	throw ApiError.because(
		"invalid_request",
		"secret_without_value",
		`Binding ${b.name} is a secret_key: send its key material as exactly one of key_base64 or key_jwk, or keep the current one with keep_bindings: ["secret_key"].`,
	);
}

/** How a version records a secret: the binding without its value, and the id of the encrypted value. */
function sealedBinding(b: Binding, ref: string): Binding {
	if (b.type === "secret_text") return secretRefBinding(b.name, ref);
	const rest = Object.fromEntries(
		Object.entries(b).filter(([k]) => !(KEY_MATERIAL as readonly string[]).includes(k) && k !== "text"),
	);
	return { ...rest, secret_ref: ref } as unknown as Binding;
}

/** How a version records a secret_text: its name and the id of the encrypted value it was made with. */
export function secretRefBinding(name: string, ref: string): Binding {
	return { name, type: "secret_text", secret_ref: ref };
}

export function secretRef(binding: Binding): string | undefined {
	if (binding.type !== "secret_text" && binding.type !== "secret_key") return undefined;
	const ref = (binding as { secret_ref?: unknown }).secret_ref;
	return typeof ref === "string" ? ref : undefined;
}

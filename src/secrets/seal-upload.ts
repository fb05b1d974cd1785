import type { Binding } from "../core/bindings";
import type { Deps } from "../deps/deps";
import { ApiError } from "../errors/api-error";
import { encryptSecret, type SecretValueRecord, secretsKey } from "./cipher";

/**
 * Replaces each uploaded secret value with a reference to its encrypted row, so no version ever holds a
 * value. The rows are written in the same batch as the version that names them.
 */
export async function sealSecretBindings(
	env: Pick<Env, "SHIPLOG_SECRETS_KEY">,
	deps: Deps,
	worker: string,
	bindings: Binding[],
): Promise<{ bindings: Binding[]; secret_values: SecretValueRecord[] }> {
	const secrets = bindings.filter((b) => b.type === "secret_text");
	if (secrets.length === 0) return { bindings, secret_values: [] };
	for (const b of secrets) {
		if ("secret_ref" in b) {
			throw ApiError.because(
				"invalid_request",
				"secret_ref_in_upload",
				`Binding ${b.name}: secret_ref is set by shiplog, not by uploads. Send the value as text, or keep the current one with keep_bindings: ["secret_text"].`,
			);
		}
		if (typeof b.text !== "string") {
			throw ApiError.because(
				"invalid_request",
				"secret_without_value",
				`Binding ${b.name} is a secret_text without text. Send its value as text, or keep the current one with keep_bindings: ["secret_text"].`,
			);
		}
	}
	const key = await secretsKey(env);
	const secret_values: SecretValueRecord[] = [];
	const sealed = await Promise.all(
		bindings.map(async (b): Promise<Binding> => {
			if (b.type !== "secret_text" || typeof b.text !== "string") return b;
			const record = await encryptSecret(key, deps, worker, b.name, b.text);
			secret_values.push(record);
			return secretRefBinding(b.name, record.id);
		}),
	);
	return { bindings: sealed, secret_values };
}

/** How a version records a secret: its name and the id of the encrypted value it was made with. */
export function secretRefBinding(name: string, ref: string): Binding {
	return { name, type: "secret_text", secret_ref: ref };
}

export function secretRef(binding: Binding): string | undefined {
	if (binding.type !== "secret_text") return undefined;
	const ref = (binding as { secret_ref?: unknown }).secret_ref;
	return typeof ref === "string" ? ref : undefined;
}

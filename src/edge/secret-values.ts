import type { Binding } from "../upload/bindings";

type SecretBinding = Extract<Binding, { type: "secret_text" }>;

/** A binding the built-in edge accepts but cannot serve yet; the client gets a 501 naming it. */
export class EdgeUnsupported extends Error {}

/**
 * The one place the edge reads a secret's value. Secret values are encrypted at rest by the secrets
 * work (issue 3); until its decrypt function lands here, a version with a secret_text binding is
 * answered with a 501 instead of running with a missing or still-encrypted value.
 */
export async function secretValue(_env: Env, worker: string, binding: SecretBinding): Promise<string> {
	throw new EdgeUnsupported(
		`Worker ${worker} binds the secret ${binding.name}; the built-in edge cannot decrypt secret_text bindings yet.`,
	);
}

import type { Version } from "../core/model";
import { getSecretValues } from "../storage/secret-values";
import { decryptSecret } from "./cipher";
import { keyRing } from "./key-ring";
import { secretRef } from "./seal-upload";

/**
 * The secret_text values a version was made with, by binding name, for the edge to hand to the running
 * Worker. The only place values are decrypted for use; never log or return what it gives back.
 */
export async function revealSecrets(
	env: Pick<Env, "DB" | "SHIPLOG_SECRETS_KEY">,
	version: Pick<Version, "worker" | "bindings">,
): Promise<Record<string, string>> {
	const refs = version.bindings.flatMap((b) => {
		const ref = b.type === "secret_text" ? secretRef(b) : undefined;
		return ref ? [{ name: b.name, ref }] : [];
	});
	if (refs.length === 0) return {};
	const ring = await keyRing(env);
	const rows = new Map(
		(
			await getSecretValues(
				env.DB,
				version.worker,
				refs.map((r) => r.ref),
			)
		).map((row) => [row.id, row]),
	);
	const out: Record<string, string> = {};
	for (const { name, ref } of refs) {
		const row = rows.get(ref);
		if (!row) throw new Error(`secret value ${ref} of binding ${name} (Worker ${version.worker}) is missing`);
		out[name] = await decryptSecret(ring, row);
	}
	return out;
}

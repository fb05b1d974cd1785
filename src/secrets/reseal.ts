import { resealSecretValue, sealedWithOtherKeys } from "../storage/secret-values";
import { decryptSecret, seal, UnopenableSecret } from "./cipher";
import { keyRing } from "./key-ring";

/** How many values one run re-seals: enough to finish a rotation in a few hourly runs, little enough for one invocation. */
export const RESEAL_BATCH = 200;

export interface ResealReport {
	resealed: number;
	/** Values no configured key opens: their key was removed before they were re-sealed. */
	unopenable: string[];
	/** More values are waiting for the next run. */
	more: boolean;
}

/**
 * After a key rotation, seals values under the current key, a batch per run (the cron). The values do not
 * change, so no version or deployment is made and rollbacks still restore exactly what they restored.
 */
export async function resealSecrets(env: Env, limit = RESEAL_BATCH): Promise<ResealReport> {
	const ring = await keyRing(env);
	const report: ResealReport = { resealed: 0, unopenable: [], more: false };
	// Values no key opens stay behind; walking on by id keeps them from blocking the rest.
	let after = "";
	while (report.resealed + report.unopenable.length < limit) {
		const rows = await sealedWithOtherKeys(env.DB, ring.current.id, limit, after);
		for (const row of rows) {
			after = row.id;
			try {
				const value = await decryptSecret(ring, row);
				if (await resealSecretValue(env.DB, row, await seal(ring, row, value))) report.resealed += 1;
			} catch (error) {
				if (!(error instanceof UnopenableSecret)) throw error;
				report.unopenable.push(row.id);
			}
			if (report.resealed + report.unopenable.length >= limit) {
				report.more = true;
				return report;
			}
		}
		if (rows.length < limit) return report;
	}
	return report;
}

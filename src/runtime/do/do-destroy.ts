import { markDestroyed, undestroyedClasses } from "../../storage/do-classes";
import { supervisorFor } from "./do-rules";

/**
 * Deletes every object (and its storage and alarm) of a Durable Object class that a migration deleted, then
 * records that in D1. Run right after the deploy that deletes the class is committed, by its coordinator; a
 * failure there is left to the cron (`destroyDeletedClasses`). Idempotent.
 */
export async function destroyClassStorage(env: Env, storageId: string, at: Date): Promise<void> {
	await supervisorFor(env, storageId).destroy();
	await markDestroyed(env.DB, storageId, at.toISOString());
}

/** The cron's pass over deleted classes whose data is not yet known to be gone. */
export async function destroyDeletedClasses(env: Env, now: Date, limit = 20): Promise<number> {
	let destroyed = 0;
	for (const record of await undestroyedClasses(env.DB, limit)) {
		try {
			await destroyClassStorage(env, record.storage_id, now);
			destroyed++;
		} catch (error) {
			console.error(JSON.stringify({ at: "do.destroy", storage: record.storage_id, error: String(error) }));
		}
	}
	return destroyed;
}

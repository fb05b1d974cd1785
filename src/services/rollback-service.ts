import type { RollbackOutcome } from "../coordinator/commands";
import type { RollbackTargetSpec } from "../core/rollback-target";
import { type ChangeContext, commandBase, type Done, done } from "./change-context";
import { changed, coordinatorFor } from "./coordinator";
import { keyedFingerprint } from "./fingerprint";
import { requireExistingWorker } from "./lookups";
import { rollbackPolicy } from "./policy";
import { notifyingRefusal } from "./refused-rollback";

export interface RollbackRequest extends RollbackTargetSpec {
	worker: string;
	message: string | null;
	/** Go ahead even though secrets changed since the target (restores their old values). */
	force: boolean;
}

/**
 * Deploys an earlier version at 100 % (by default the previous deployment that ran another version at
 * 100 %), if the rollback rules allow it. The coordinator judges it against the state it commits on.
 */
export async function rollbackWorker(ctx: ChangeContext, input: RollbackRequest): Promise<Done<RollbackOutcome>> {
	const { worker, message, version_id, deployment_id, force } = input;
	// A name that was never deployed is answered here, without creating a coordinator for it.
	await requireExistingWorker(ctx.env.DB, worker);
	const print = await keyedFingerprint(ctx.preconditions, "rollback", {
		body: { version_id, deployment_id, message: message ?? undefined, force },
	});
	return notifyingRefusal(ctx, worker, async () =>
		done<RollbackOutcome>(
			changed(
				worker,
				await coordinatorFor(ctx.env, worker).rollback({
					...commandBase(ctx, worker, print),
					message,
					version_id,
					deployment_id,
					force,
					policy: rollbackPolicy(ctx.env),
				}),
			),
		),
	);
}

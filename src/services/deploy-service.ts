import type { Deployment, TrafficSplit } from "../core/model";
import { authorize } from "../core/scopes";
import { type ChangeContext, commandBase, type Done, done } from "./change-context";
import { changed, coordinatorFor } from "./coordinator";
import { keyedFingerprint } from "./fingerprint";
import { requireExistingWorker } from "./lookups";
import { rollbackPolicy } from "./policy";
import { notifyingRefusal } from "./refused-rollback";

export interface DeployRequest {
	worker: string;
	versions: TrafficSplit[];
	message: string | null;
	/** An older version at 100 % is a rollback and meets the rollback rules; force overrides changed secrets. */
	force: boolean;
}

/** A deployment of uploaded versions: one at 100 %, or two split by percentage (a gradual rollout). */
export async function deployVersions(ctx: ChangeContext, input: DeployRequest): Promise<Done<Deployment>> {
	await requireExistingWorker(ctx.env.DB, input.worker);
	const print = await keyedFingerprint(ctx.preconditions, "deployment", {
		body: { versions: input.versions, message: input.message ?? undefined, force: input.force },
	});
	return notifyingRefusal(ctx, input.worker, async () =>
		done(
			changed(
				input.worker,
				await coordinatorFor(ctx.env, input.worker).deploy({
					...commandBase(ctx, input.worker, print),
					message: input.message,
					triggered_by: "deployment",
					versions: input.versions,
					force: input.force,
					policy: rollbackPolicy(ctx.env),
					// Whoever may roll back but not deploy gets this deployment only if it turns out to be a rollback.
					rollback_only: !authorize(ctx.principal.grants, { scope: "deploy", worker: input.worker }).allowed,
				}),
			),
		),
	);
}

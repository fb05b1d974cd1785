import type { Deployment } from "../core/model";
import { ApiError } from "../errors/api-error";
import { deployVersions } from "../services/deploy-service";
import { rollbackWorker } from "../services/rollback-service";
import { claimHandled, releaseHandled } from "../storage/chatops";
import { getActiveDeployment, getDeployment } from "../storage/deployments";
import type { ConfirmValue } from "./action-value";
import type { Followup } from "./blocks";
import { alreadyHandledView, outcomeView, refusedView, staleView } from "./confirm-views";
import { versionNumbers } from "./labels";
import { chatopsContext, type MappedCall, recordSlackRefusal, requireSlackScope, slackIdentity } from "./slack-call";

const ACTION = { rollback: "worker.rollback", promote: "worker.deploy", abort: "worker.rollback" } as const;

/** Makes the change through the one service for it, conditional on the deployment the person was shown. */
async function change(
	call: MappedCall,
	value: ConfirmValue,
): Promise<{ deployment: Deployment; replaced: Deployment }> {
	const ctx = chatopsContext(call, value.m);
	if (value.k === "rollback") {
		const done = await rollbackWorker(ctx, {
			worker: value.w,
			version_id: value.v,
			message: value.r,
			force: value.f,
		});
		return { deployment: done.value.deployment, replaced: done.value.replaced };
	}
	const replaced = await getDeployment(call.env.DB, value.w, value.m);
	const done = await deployVersions(ctx, {
		worker: value.w,
		versions: [{ version_id: value.v, percentage: 100 }],
		message: value.r ?? (value.k === "promote" ? "promoted from Slack" : "rollout aborted from Slack"),
		force: false,
	});
	return { deployment: done.value, replaced: replaced ?? done.value };
}

/**
 * A pressed Confirm: claimed once (a second press of the same confirmation does nothing), checked for the
 * scope of the person pressing, then made with If-Match on the deployment shown. A stale confirmation and
 * every other refusal answer in the message and go to the audit log. When shiplog itself fails (a 5xx), the
 * claim is given back so the button can be pressed again: If-Match keeps that safe even if the change landed
 * after all (the second press is then stale).
 */
export async function confirmChange(call: MappedCall, value: ConfirmValue): Promise<Followup[]> {
	const by = `${call.principal.id} (${slackIdentity(call.team_id, call.user_id)})`;
	const key = `confirm:${value.n}`;
	const at = call.deps.clock.now().toISOString();
	const earlier = await claimHandled(call.env.DB, key, at, by);
	if (earlier) return [alreadyHandledView(earlier.handled_by, earlier.handled_on)];
	try {
		requireSlackScope(call, value.k === "promote" ? "deploy" : "rollback", value.w);
		const { deployment, replaced } = await change(call, value);
		const numbers = await versionNumbers(call.env.DB, value.w, [deployment, replaced]);
		return [{ delete_original: true }, outcomeView(value, call.user_id, deployment, replaced, numbers)];
	} catch (error) {
		if (!(error instanceof ApiError) || error.status >= 500) await releaseHandled(call.env.DB, key, at, by);
		if (!(error instanceof ApiError)) throw error;
		// Every refusal is recorded by the surface that answered it, as /v1's access control does.
		await recordSlackRefusal(call, ACTION[value.k], value.w, error);
		if (error.code === "precondition_failed") {
			const now = await getActiveDeployment(call.env.DB, value.w);
			const numbers = await versionNumbers(call.env.DB, value.w, now ? [now] : []);
			return [staleView(value, now, numbers)];
		}
		return [refusedView(error)];
	}
}

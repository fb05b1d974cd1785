import type { Deployment } from "../core/model";
import type { ApiError } from "../errors/api-error";
import { ACTION_IDS, type ConfirmValue, encodeValue } from "./action-value";
import { actions, type Block, button, context, esc, header, message, type SlackMessage, section } from "./blocks";
import { trafficLabel, type VersionNumbers, versionTitle } from "./labels";
import type { ChangePlan } from "./plan";

const VERB = { rollback: "Roll back", promote: "Promote", abort: "Abort the rollout of" } as const;
const DONE = { rollback: "rolled back", promote: "promoted", abort: "aborted the rollout of" } as const;

const cancel = () => button({ text: "Cancel", action_id: ACTION_IDS.cancel, value: "cancel" });

function planBlocks(plan: ChangePlan, reason: string | null): Block[] {
	const to = `${versionTitle(plan.target)} at 100%`;
	const blocks: Block[] = [
		header(`${VERB[plan.kind]} ${plan.worker}?`),
		section(`*From:* ${trafficLabel(plan.numbers, plan.active)} (deployment #${plan.active.number})\n*To:* ${to}`),
		section(`*What changes (v${plan.current.number} → v${plan.target.number})*\n${plan.changes.join("\n")}`),
	];
	if (plan.outside_state.length > 0) {
		blocks.push(
			section(
				`:warning: Bound resources are not rolled back: ${plan.outside_state
					.map((b) => `\`${esc(b.name)}\` (${b.type})`)
					.join(", ")} keep their current data, which may have moved on since v${plan.target.number}.`,
			),
		);
	}
	if (plan.reasons.length > 0) {
		blocks.push(section(`*Refused because*\n${plan.reasons.map((r) => `• ${esc(r.message)}`).join("\n")}`));
	}
	if (reason) blocks.push(context(`Reason: ${esc(reason)}`));
	return blocks;
}

/** The confirmation `/shiplog rollback|promote|abort` answers with; only the asker sees it. */
export function promptView(plan: ChangePlan, reason: string | null, nonce: string): SlackMessage {
	const value = (force: boolean): string =>
		encodeValue({
			k: plan.kind,
			w: plan.worker,
			v: plan.target.id,
			m: plan.active.id,
			f: force,
			r: reason,
			n: nonce,
		} satisfies ConfirmValue);
	const blocks = planBlocks(plan, reason);
	const title = `${VERB[plan.kind]} ${plan.worker} to v${plan.target.number}?`;
	if (plan.eligible) {
		blocks.push(
			actions(
				button({
					text: `${VERB[plan.kind]} to v${plan.target.number}`,
					action_id: ACTION_IDS.confirm,
					value: value(false),
					style: "primary",
					confirm: {
						title: "Are you sure?",
						text: `All traffic of ${esc(plan.worker)} goes to v${plan.target.number}.`,
						confirm: "Yes, do it",
					},
				}),
				cancel(),
			),
		);
	} else if (plan.eligible_with_force) {
		blocks.push(
			actions(
				button({ text: "Force rollback…", action_id: ACTION_IDS.force, value: value(true), style: "danger" }),
				cancel(),
			),
		);
	} else {
		blocks.push(context("Nothing to confirm: these reasons cannot be overridden."));
	}
	return message(title, blocks, { response_type: "ephemeral" });
}

/** The second confirmation a forced rollback needs, replacing the first. */
export function forceView(plan: ChangePlan, value: ConfirmValue): SlackMessage {
	const overridden = plan.reasons.filter((r) => r.overridable);
	const blocks = [
		header(`Force the rollback of ${plan.worker}?`),
		section(
			`:rotating_light: ${overridden.map((r) => esc(r.message)).join(" ")}\nForcing goes ahead anyway: v${plan.target.number} runs with the secret values it was made with.`,
		),
		actions(
			button({
				text: `Yes, force the rollback to v${plan.target.number}`,
				action_id: ACTION_IDS.confirm,
				value: encodeValue({ ...value, f: true }),
				style: "danger",
				confirm: {
					title: "Force the rollback?",
					text: "This overrides the rollback rules for changed secrets.",
					confirm: "Force it",
					style: "danger",
				},
			}),
			cancel(),
		),
	];
	return message(`Force the rollback of ${plan.worker}?`, blocks, {
		response_type: "ephemeral",
		replace_original: true,
	});
}

/** What the channel sees after a change: who did what, from what to what. */
export function outcomeView(
	value: ConfirmValue,
	user_id: string,
	deployment: Deployment,
	replaced: Deployment,
	numbers: VersionNumbers,
): SlackMessage {
	const verb = `${DONE[value.k]}${value.f ? " (forced)" : ""}`;
	const text = `<@${user_id}> ${verb} *${esc(value.w)}*: ${trafficLabel(numbers, replaced)} → ${trafficLabel(numbers, deployment)}`;
	return message(
		text,
		[
			section(`:rewind: ${text}`),
			context(
				`deployment #${deployment.number} replaced #${replaced.number}`,
				...(value.r ? [`Reason: ${esc(value.r)}`] : []),
			),
		],
		{ response_type: "in_channel", replace_original: false },
	);
}

/** A confirmation made stale by a change since it was shown: refused, and says so. */
export function staleView(value: ConfirmValue, now: Deployment | null, numbers: VersionNumbers): SlackMessage {
	const current = now ? `#${now.number} (${trafficLabel(numbers, now)}, by ${esc(now.author.email)})` : "gone";
	const text = `Not done: ${value.w} changed since this confirmation was shown. The active deployment is now ${current}. Run \`/shiplog ${value.k} ${value.w}\` again to see what it would do now.`;
	return message(text, [section(`:hourglass: ${text}`)], { response_type: "ephemeral", replace_original: true });
}

/** Any other refusal, with shiplog's own words and reasons. */
export function refusedView(error: ApiError, replace = true): SlackMessage {
	const details = error.details as { reasons?: { message: string }[] } | undefined;
	const reasons = details?.reasons?.map((r) => `• ${esc(r.message)}`) ?? [];
	const text = `Not done: ${esc(error.message)}`;
	return message(text, [section(`:no_entry: ${[text, ...reasons].join("\n")}`)], {
		response_type: "ephemeral",
		replace_original: replace,
	});
}

export const alreadyHandledView = (by: string, on: string): SlackMessage =>
	message(
		`This confirmation was already used by ${by} at ${on.slice(0, 19).replace("T", " ")} UTC.`,
		[
			section(
				`:repeat: This confirmation was already used by ${esc(by)} at ${on.slice(0, 19).replace("T", " ")} UTC; nothing was done again.`,
			),
		],
		{ response_type: "ephemeral", replace_original: false },
	);

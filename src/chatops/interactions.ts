import { ApiError } from "../errors/api-error";
import { confirmChange } from "./act";
import { ACTION_IDS, ConfirmValueSchema, decodeValue, PromptValueSchema } from "./action-value";
import { context, type Followup, message, section } from "./blocks";
import { forceView, promptView, refusedView, staleView } from "./confirm-views";
import { versionNumbers } from "./labels";
import type { BlockActions } from "./payloads";
import { planRollback, replan } from "./plan";
import { type MappedCall, recordSlackRefusal, requireSlackScope, type SlackCall } from "./slack-call";
import { unmappedView } from "./unmapped";

const notOurs = () =>
	new ApiError("invalid_request", "That button is not one shiplog made, or it is from an older shiplog.");

async function handle(call: MappedCall, action: BlockActions["actions"][number]): Promise<Followup[]> {
	switch (action.action_id) {
		case ACTION_IDS.prompt: {
			const value = decodeValue(PromptValueSchema, action.value);
			if (!value) throw notOurs();
			requireSlackScope(call, "rollback", value.w);
			const plan = await planRollback(call.env, value.w, null);
			const prompt = promptView(plan, null, call.deps.ids.uuid());
			if (plan.active.id !== value.d) {
				prompt.blocks.splice(
					1,
					0,
					context(
						`:information_source: The Worker changed since that message: this is what rolling back would do now.`,
					),
				);
			}
			return [{ ...prompt, replace_original: false }];
		}
		case ACTION_IDS.force: {
			const value = decodeValue(ConfirmValueSchema, action.value);
			if (!value) throw notOurs();
			requireSlackScope(call, "rollback", value.w);
			const plan = await replan(call.env, value.k, value.w, value.v);
			if (plan.active.id !== value.m)
				return [staleView(value, plan.active, await versionNumbers(call.env.DB, value.w, [plan.active]))];
			return [forceView(plan, value)];
		}
		case ACTION_IDS.confirm: {
			const value = decodeValue(ConfirmValueSchema, action.value);
			if (!value) throw notOurs();
			return confirmChange(call, value);
		}
		default:
			return [];
	}
}

/**
 * A button press. Cancel removes the confirmation; everything else needs a mapped user. Answers are
 * follow-ups for the response_url: Slack ignores the HTTP answer to an interaction.
 */
export async function handleInteraction(call: SlackCall, payload: BlockActions): Promise<Followup[]> {
	const action = payload.actions[0];
	if (!action || action.action_id === ACTION_IDS.cancel) return action ? [{ delete_original: true }] : [];
	if (action.action_id === "shiplog.link") return [];
	const principal = call.principal;
	if (!principal) {
		await recordSlackRefusal(call, "chatops.interaction", null, unmappedError());
		return [{ ...unmappedView(call), replace_original: false }];
	}
	try {
		return await handle({ ...call, principal }, action);
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		await recordSlackRefusal(call, `chatops.${action.action_id.replace("shiplog.", "")}`, null, error);
		return [refusedView(error, false)];
	}
}

export const unmappedError = () =>
	new ApiError("unauthorized", "This Slack user is not mapped to a shiplog principal.");

export const linkedView = (principal: string, scopes: string[]) =>
	message(
		`Linked: you act in shiplog as ${principal}.`,
		[section(`:link: Linked: you act in shiplog as *${principal}* with ${scopes.map((s) => `\`${s}\``).join(", ")}.`)],
		{ response_type: "ephemeral" },
	);

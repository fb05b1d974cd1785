import { context, esc, message, type SlackMessage, section } from "./blocks";
import type { SlackCall } from "./slack-call";

/** What an unmapped Slack user is told: nothing else happens until they are mapped or linked. */
export function unmappedView(call: Pick<SlackCall, "team_id" | "user_id" | "origin">): SlackMessage {
	const who = `team \`${esc(call.team_id)}\`, user \`${esc(call.user_id)}\``;
	return message(
		"You are not linked to shiplog yet.",
		[
			section(
				`:lock: You are not linked to shiplog yet, so you can do nothing here.\n*Either* ask a shiplog admin to map you (${who}) with \`POST /v1/chatops/slack/users\`,\n*or* link yourself: with your own shiplog token, \`POST ${esc(call.origin)}/v1/chatops/slack/link-codes\`, then type \`/shiplog link <code>\` here within 10 minutes.`,
			),
			context(
				"Your Slack user will act with the scopes of that mapping, and everything it does is in shiplog's audit log.",
			),
		],
		{ response_type: "ephemeral" },
	);
}

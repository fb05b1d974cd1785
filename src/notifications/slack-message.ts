import { ACTION_IDS, encodeValue } from "../chatops/action-value";
import type { Deployment } from "../core/model";
import type { StoredEvent } from "./events";

/** Slack mrkdwn treats &, < and > as control characters; anything people wrote is escaped. */
const slackEscape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const short = (id: string) => id.slice(0, 8);

function traffic(deployment: Deployment | undefined): string {
	if (!deployment) return "";
	return deployment.versions.map((v) => `\`${short(v.version_id)}\` at ${v.percentage}%`).join(", ");
}

function who(data: Record<string, unknown>): string {
	const actor = data.actor as { principal?: string | null; source?: string } | undefined;
	if (!actor?.principal) return "";
	return ` by ${slackEscape(actor.principal)}${actor.source ? ` (${actor.source})` : ""}`;
}

function headline(event: StoredEvent): string {
	const data = event.data;
	const worker = `*${slackEscape(event.worker ?? "")}*`;
	const deployment = data.deployment as Deployment | undefined;
	switch (event.type) {
		case "worker.deployed":
			return `:rocket: ${worker} deployed${who(data)}: ${traffic(deployment)}`;
		case "worker.rolled_back":
			return `:rewind: ${worker} rolled back${who(data)}: ${traffic(deployment)}`;
		case "worker.auto_rolled_back":
			return `:rotating_light: ${worker} rolled back automatically: ${traffic(deployment)}`;
		case "rollout.started":
			return `:twisted_rightwards_arrows: ${worker} gradual rollout started${who(data)}: ${traffic(deployment)}`;
		case "rollout.finished":
			return `:checkered_flag: ${worker} gradual rollout finished${who(data)}: ${traffic(deployment)}`;
		case "rollback.refused":
			return `:no_entry: Rollback of ${worker} refused${who(data)}: ${slackEscape(String(data.message ?? ""))}`;
		case "resource.deleted": {
			const resource = data.resource as { type?: string; id?: string } | undefined;
			return `:wastebasket: ${slackEscape(`${resource?.type ?? "resource"} ${resource?.id ?? ""}`)} deleted${who(data)}`;
		}
		default: {
			const summary = typeof data.summary === "string" ? `: ${slackEscape(data.summary)}` : "";
			return `:mag: ${slackEscape(event.type)}${event.worker ? ` on ${worker}` : ""}${summary}`;
		}
	}
}

/**
 * Every message about a new deployment carries "Roll back to previous": pressed in Slack, it goes to the
 * ChatOps confirmation flow (src/chatops), which shows what a rollback would do now and acts only when
 * confirmed, with the presser's own scopes. (It works when the incoming webhook belongs to the shiplog app.)
 */
function rollbackButton(event: StoredEvent, deployment: Deployment | undefined): unknown[] {
	if (!deployment || !event.worker || event.type === "rollback.refused") return [];
	return [
		{
			type: "actions",
			elements: [
				{
					type: "button",
					action_id: ACTION_IDS.prompt,
					text: { type: "plain_text", text: "Roll back to previous" },
					value: encodeValue({ w: event.worker, d: deployment.id }),
				},
			],
		},
	];
}

/** A Slack incoming-webhook body for an event: a fallback `text` and the same as Block Kit. */
export function slackMessage(event: StoredEvent): { text: string; blocks: unknown[] } {
	const lines = [headline(event)];
	const deployment = event.data.deployment as Deployment | undefined;
	if (deployment?.message) lines.push(`> ${slackEscape(deployment.message).slice(0, 500)}`);
	const text = lines.join("\n");
	const context = [`${event.type}`, deployment ? `deployment #${deployment.number}` : null, event.created_on]
		.filter(Boolean)
		.join(" · ");
	return {
		text,
		blocks: [
			{ type: "section", text: { type: "mrkdwn", text } },
			{ type: "context", elements: [{ type: "mrkdwn", text: slackEscape(context) }] },
			...rollbackButton(event, deployment),
		],
	};
}

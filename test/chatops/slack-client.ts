import { createHmac } from "node:crypto";
import { testApp } from "../fixtures/app";

/** The signing secret vitest.config.ts gives shiplog, as a Slack app would hold it. */
export const SIGNING_SECRET = "test-slack-signing-secret";
export const TEAM = "T0SHIPLOG";

let sequence = 0;
const next = () => {
	sequence += 1;
	return sequence;
};

/** Signs like Slack, with node:crypto rather than shiplog's own code: v0= + hex HMAC-SHA256 of v0:ts:body. */
export function slackHeaders(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SIGNING_SECRET) {
	const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
	return {
		"content-type": "application/x-www-form-urlencoded",
		"x-slack-request-timestamp": String(timestamp),
		"x-slack-signature": signature,
	};
}

const defaultApp = testApp();

/** Sends a raw body to a ChatOps endpoint with the given headers, waiting for its waitUntil work. */
export const send = (
	path: "commands" | "interactions",
	body: string,
	headers: Record<string, string>,
	app: ReturnType<typeof testApp> = defaultApp,
) => app(`/chatops/slack/${path}`, { method: "POST", body, headers, token: null });

export interface CommandOptions {
	user: string;
	team?: string;
	trigger?: string;
	response_url?: string;
	headers?: Record<string, string>;
	/** shiplog with other bindings (e.g. a slow D1). */
	app?: ReturnType<typeof testApp>;
}

/** A slash command's form body as Slack sends it (legacy token and names included). */
export function commandBody(text: string, options: CommandOptions) {
	const n = next();
	return new URLSearchParams({
		token: "gIkuvaNzQIHg97ATvDxqgjtO",
		team_id: options.team ?? TEAM,
		team_domain: "shiplog",
		channel_id: "C0ONCALL",
		channel_name: "on-call",
		user_id: options.user,
		user_name: options.user.toLowerCase(),
		command: "/shiplog",
		text,
		api_app_id: "A0SHIPLOG",
		response_url: options.response_url ?? `https://hooks.slack.com/commands/${TEAM}/${n}/cmd${n}`,
		trigger_id: options.trigger ?? `${n}.1000.${crypto.randomUUID().replaceAll("-", "")}`,
	}).toString();
}

/** `/shiplog <text>` from a user: the response and its JSON (null for an empty acknowledgement). */
export async function slash(text: string, options: CommandOptions) {
	const body = commandBody(text, options);
	const res = await send("commands", body, { ...slackHeaders(body), ...options.headers }, options.app);
	const raw = await res.text();
	return { status: res.status, message: raw ? JSON.parse(raw) : null, body };
}

export interface Button {
	action_id: string;
	value?: string;
}

/** The buttons of a Block Kit message, in order. */
export function buttons(message: { blocks?: { type: string; elements?: Button[] }[] }): Button[] {
	return (message.blocks ?? []).filter((b) => b.type === "actions").flatMap((b) => b.elements ?? []);
}

export function buttonOf(message: Parameters<typeof buttons>[0], action_id: string): Button {
	const found = buttons(message).find((b) => b.action_id === action_id);
	if (!found) throw new Error(`no ${action_id} button in ${JSON.stringify(message)}`);
	return found;
}

/** A block_actions interaction body: a press of `button` by `user`. */
export function interactionBody(
	user: string,
	button: Button,
	options: { trigger?: string; response_url?: string } = {},
) {
	const n = next();
	const payload = {
		type: "block_actions",
		user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM },
		api_app_id: "A0SHIPLOG",
		token: "gIkuvaNzQIHg97ATvDxqgjtO",
		container: { type: "message", message_ts: "1700000000.000100", channel_id: "C0ONCALL", is_ephemeral: true },
		trigger_id: options.trigger ?? `${n}.2000.${crypto.randomUUID().replaceAll("-", "")}`,
		team: { id: TEAM, domain: "shiplog" },
		channel: { id: "C0ONCALL", name: "on-call" },
		response_url: options.response_url ?? `https://hooks.slack.com/actions/${TEAM}/${n}/act${n}`,
		actions: [
			{
				type: "button",
				block_id: "b1",
				action_id: button.action_id,
				value: button.value,
				text: { type: "plain_text", text: "x" },
				action_ts: "1700000001.000200",
			},
		],
	};
	return {
		body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
		response_url: payload.response_url,
	};
}

/** Presses a button; returns the status and the response_url the follow-ups go to. */
export async function press(
	user: string,
	button: Button,
	options: { trigger?: string; headers?: Record<string, string> } = {},
) {
	const { body, response_url } = interactionBody(user, button, options);
	const res = await send("interactions", body, { ...slackHeaders(body), ...options.headers });
	return { status: res.status, text: await res.text(), response_url, body };
}

/**
 * Block Kit, kept small: sections of mrkdwn, context lines, and action rows of buttons. Messages are
 * short lines rather than wide tables so they read on a phone. Slack's limits are enforced here so a long
 * name or reason never makes Slack reject a whole message.
 */
export type Block = Record<string, unknown>;

export interface SlackMessage {
	text: string;
	blocks: Block[];
	response_type?: "ephemeral" | "in_channel";
	replace_original?: boolean;
	delete_original?: boolean;
}

/** What a response_url takes: a message, or removing the one the button was in. */
export type Followup = SlackMessage | { delete_original: true };

const SECTION_MAX = 3000;
const HEADER_MAX = 150;
const BUTTON_TEXT_MAX = 75;
const MAX_BLOCKS = 50;

/** Slack mrkdwn treats &, < and > as control characters; anything people or clients wrote is escaped. */
export const esc = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export const header = (text: string): Block => ({
	type: "header",
	text: { type: "plain_text", text: clip(text, HEADER_MAX), emoji: true },
});

export const section = (mrkdwn: string): Block => ({
	type: "section",
	text: { type: "mrkdwn", text: clip(mrkdwn, SECTION_MAX) },
});

export const context = (...lines: string[]): Block => ({
	type: "context",
	elements: lines.slice(0, 10).map((text) => ({ type: "mrkdwn", text: clip(text, SECTION_MAX) })),
});

export const divider = (): Block => ({ type: "divider" });

export interface ButtonSpec {
	text: string;
	action_id: string;
	value?: string;
	style?: "primary" | "danger";
	url?: string;
	/** A Slack confirm dialog shown before the press is sent (for buttons that change something). */
	confirm?: { title: string; text: string; confirm: string; deny?: string; style?: "primary" | "danger" };
}

export function button(spec: ButtonSpec): Block {
	return {
		type: "button",
		action_id: spec.action_id,
		text: { type: "plain_text", text: clip(spec.text, BUTTON_TEXT_MAX), emoji: true },
		...(spec.value !== undefined ? { value: spec.value } : {}),
		...(spec.style ? { style: spec.style } : {}),
		...(spec.url ? { url: spec.url } : {}),
		...(spec.confirm
			? {
					confirm: {
						title: { type: "plain_text", text: clip(spec.confirm.title, 100) },
						text: { type: "mrkdwn", text: clip(spec.confirm.text, 300) },
						confirm: { type: "plain_text", text: clip(spec.confirm.confirm, 30) },
						deny: { type: "plain_text", text: clip(spec.confirm.deny ?? "Cancel", 30) },
						...(spec.confirm.style ? { style: spec.confirm.style } : {}),
					},
				}
			: {}),
	};
}

export const actions = (...buttons: Block[]): Block => ({ type: "actions", elements: buttons.slice(0, 25) });

/** A message: `text` is the notification and screen-reader fallback; blocks are what people see. */
export function message(
	text: string,
	blocks: Block[],
	options: Omit<SlackMessage, "text" | "blocks"> = {},
): SlackMessage {
	return { text: clip(text, SECTION_MAX), blocks: blocks.slice(0, MAX_BLOCKS), ...options };
}

/** A one-paragraph answer only the asker sees. */
export const ephemeral = (text: string): SlackMessage => message(text, [section(text)], { response_type: "ephemeral" });

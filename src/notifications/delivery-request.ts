import type { WebhookFormat } from "../storage/webhooks";
import type { StoredEvent } from "./events";
import { signMessage } from "./signature";
import { slackMessage } from "./slack-message";
import type { WebhookTarget } from "./webhook-target";

/**
 * The request that delivers an event. Standard Webhooks receivers get `{type, timestamp, data}` signed
 * over `id.timestamp.body` (a new timestamp, so a new signature, on each attempt; the same webhook-id).
 * Slack gets Block Kit text and no signature headers.
 */
export async function deliveryRequest(
	format: WebhookFormat,
	target: WebhookTarget,
	event: StoredEvent,
	now: Date,
): Promise<{ headers: Record<string, string>; body: string }> {
	const headers: Record<string, string> = {
		"content-type": "application/json",
		"user-agent": "shiplog-webhooks/1",
	};
	if (format === "slack") return { headers, body: JSON.stringify(slackMessage(event)) };
	const body = JSON.stringify({ type: event.type, timestamp: event.created_on, data: event.data });
	const timestamp = Math.floor(now.getTime() / 1000);
	headers["webhook-id"] = event.id;
	headers["webhook-timestamp"] = String(timestamp);
	if (target.secret) headers["webhook-signature"] = await signMessage(target.secret, event.id, timestamp, body);
	return { headers, body };
}

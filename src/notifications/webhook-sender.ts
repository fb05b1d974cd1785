import { DurableObject } from "cloudflare:workers";
import { systemDeps } from "../deps/deps";
import { deliverWebhook } from "./deliver";
import { deliveryPolicy } from "./delivery-policy";

/**
 * One per webhook (named by its id): sends its messages in order, and waits between retries with an
 * alarm, so a slow or dead receiver holds up nothing but its own queue. State lives in D1 (the events
 * outbox, the webhook's cursor, deliveries); this object only serialises the sending and keeps the alarm.
 */
export class WebhookSender extends DurableObject<Env> {
	/**
	 * There may be new events. Starts sending unless an alarm is already set (a retry is waiting, and later
	 * messages queue behind it). Never rejects: a failed kick is made good by the next one or the cron.
	 */
	async kick(webhookId: string): Promise<boolean> {
		try {
			if ((await this.ctx.storage.get<string>("webhook")) !== webhookId)
				await this.ctx.storage.put("webhook", webhookId);
			if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
			return true;
		} catch (error) {
			console.error(JSON.stringify({ at: "webhook.kick", webhook: webhookId, error: String(error) }));
			return false;
		}
	}

	override async alarm(): Promise<void> {
		const webhookId = await this.ctx.storage.get<string>("webhook");
		if (!webhookId) return;
		const next = await deliverWebhook(this.env, systemDeps, webhookId, deliveryPolicy(this.env));
		if (next !== null) await this.ctx.storage.setAlarm(next);
	}
}

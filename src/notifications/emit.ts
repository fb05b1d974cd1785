import type { Deps } from "../deps/deps";
import { insertEvent } from "../storage/events";
import { activeWebhookIds } from "../storage/webhooks";
import type { NewEvent } from "./events";

/**
 * Wakes every live webhook's sender: each looks for events after its cursor. Cheap (an alarm each), and
 * never throws: a sender that misses a kick catches up on the next one, or on the hourly cron. `ids`, when
 * the caller has them (a coordinator's commit batch reads them), saves reading them here.
 */
export async function kickSenders(env: Pick<Env, "DB" | "WEBHOOK_SENDER">, ids?: string[]): Promise<void> {
	try {
		const live = ids ?? (await activeWebhookIds(env.DB));
		await Promise.all(live.map((id) => env.WEBHOOK_SENDER.getByName(id).kick(id)));
	} catch (error) {
		console.error(JSON.stringify({ at: "webhook.kickSenders", error: String(error) }));
	}
}

/**
 * The one way code emits an event for webhooks: stored in the outbox (ordered, numbered), then the
 * senders are woken. Delivery happens later, in each webhook's own Durable Object; the caller never waits
 * for a receiver. Changes that go through a Worker's coordinator write their event in the change's own
 * batch instead (src/coordinator), so a deploy and its event land together.
 */
export async function emitEvents(env: Env, deps: Deps, events: NewEvent[]): Promise<void> {
	if (events.length === 0) return;
	const at = deps.clock.now().toISOString();
	await env.DB.batch(events.map((event) => insertEvent(env.DB, deps.ids.uuid(), at, event)));
	await kickSenders(env);
}

export const emitEvent = (env: Env, deps: Deps, event: NewEvent): Promise<void> => emitEvents(env, deps, [event]);

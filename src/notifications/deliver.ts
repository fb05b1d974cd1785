import type { Deps } from "../deps/deps";
import { eventsAfter, getEvent } from "../storage/events";
import {
	type DeliveryRecord,
	getWebhook,
	giveUpDelivery,
	nextPendingDelivery,
	queueDeliveries,
	recordAttempt,
	type SealedTarget,
	type WebhookRecord,
} from "../storage/webhooks";
import { type DeliveryPolicy, retryDelay } from "./delivery-policy";
import { deliveryRequest } from "./delivery-request";
import type { StoredEvent } from "./events";
import { subscribes } from "./subscription";
import { openTarget, type WebhookTarget } from "./webhook-target";

/** At most this many messages per run, so one run stays short; the next run goes on at once. */
const MESSAGES_PER_RUN = 25;
const EVENTS_PER_SCAN = 100;

interface Attempted {
	response_status: number | null;
	error: string | null;
	duration_ms: number;
}

/** One POST, never following a redirect, never waiting longer than the policy allows. */
async function attempt(
	webhook: WebhookRecord,
	target: WebhookTarget,
	event: StoredEvent,
	deps: Deps,
	policy: DeliveryPolicy,
): Promise<Attempted> {
	const started = Date.now();
	const { headers, body } = await deliveryRequest(webhook.format, target, event, deps.clock.now());
	try {
		const response = await fetch(target.url, {
			method: "POST",
			headers,
			body,
			redirect: "manual",
			signal: AbortSignal.timeout(policy.timeoutMs),
		});
		await response.body?.cancel();
		const ok = response.status >= 200 && response.status < 300;
		let error: string | null = null;
		if (response.status >= 300 && response.status < 400) error = `redirects are not followed (${response.status})`;
		else if (!ok) error = `the receiver answered ${response.status}`;
		return { response_status: response.status, error, duration_ms: Date.now() - started };
	} catch (cause) {
		const timedOut = cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
		return {
			response_status: null,
			error: timedOut ? `no answer within ${policy.timeoutMs} ms` : "the receiver could not be reached",
			duration_ms: Date.now() - started,
		};
	}
}

/** Queues the webhook's next events after its cursor; false when there were none to look at. */
async function queueNext(db: D1Database, deps: Deps, webhook: WebhookRecord): Promise<boolean> {
	const events = await eventsAfter(db, webhook.cursor, EVENTS_PER_SCAN);
	const last = events.at(-1);
	if (!last) return false;
	const wanted = events.filter((event) => subscribes(webhook, event));
	await queueDeliveries(db, webhook.id, wanted, last.seq, () => deps.ids.uuid(), deps.clock.now().toISOString());
	webhook.cursor = last.seq;
	return true;
}

/**
 * Delivers one webhook's messages, oldest event first, one at a time: a message is retried (with growing
 * waits) before any later one is sent, so a receiver sees events in the order they happened. Returns when
 * to run again (ms since the epoch): at once when there is more, at the next retry, or null when idle.
 */
export async function deliverWebhook(
	env: Env,
	deps: Deps,
	webhookId: string,
	policy: DeliveryPolicy,
): Promise<number | null> {
	const db = env.DB;
	const webhook = await getWebhook(db, webhookId);
	if (!webhook || webhook.deleted_on) return null;
	let target: WebhookTarget | null = null;
	for (let sent = 0; sent < MESSAGES_PER_RUN; ) {
		const delivery = await nextPendingDelivery(db, webhookId);
		if (!delivery) {
			if (!(await queueNext(db, deps, webhook))) return null;
			continue;
		}
		const event = await getEvent(db, delivery.event_seq);
		if (!event) {
			// Purged by retention before it could be delivered.
			await giveUpDelivery(db, delivery.id, deps.clock.now().toISOString());
			continue;
		}
		target ??= await openTarget(env, webhook as WebhookRecord & SealedTarget);
		const result = await attempt(webhook, target, event, deps, policy);
		sent += 1;
		const retryAt = await settle(db, deps, delivery, result, policy);
		if (retryAt !== null) return retryAt;
	}
	return deps.clock.now().getTime();
}

/** Records the attempt; returns when to retry, or null when the delivery is finished (either way). */
async function settle(
	db: D1Database,
	deps: Deps,
	delivery: DeliveryRecord,
	result: Attempted,
	policy: DeliveryPolicy,
): Promise<number | null> {
	const now = deps.clock.now();
	const number = delivery.attempts + 1;
	const record = { delivery_id: delivery.id, attempt: number, at: now.toISOString(), ...result };
	if (result.error === null) {
		await recordAttempt(db, record, { status: "delivered", next_attempt_on: null, finished_on: record.at });
		return null;
	}
	if (number >= policy.maxAttempts) {
		await recordAttempt(db, record, { status: "failed", next_attempt_on: null, finished_on: record.at });
		return null;
	}
	const retryAt = now.getTime() + retryDelay(policy, number);
	await recordAttempt(db, record, {
		status: "pending",
		next_attempt_on: new Date(retryAt).toISOString(),
		finished_on: null,
	});
	return retryAt;
}

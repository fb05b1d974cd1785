import { matchesWorker } from "../core/scopes";
import type { EventType } from "./events";

/** What a webhook listens to: event types (or "*"), and optionally only some Workers. */
export interface Subscription {
	events: readonly string[];
	/** Worker patterns (`checkout-*`); null: every Worker, and events about no Worker. */
	workers: readonly string[] | null;
}

/** Whether a webhook gets an event. With Worker patterns it gets only events about a matching Worker. */
export function subscribes(
	subscription: Subscription,
	event: { type: EventType | string; worker: string | null },
): boolean {
	if (!subscription.events.includes("*") && !subscription.events.includes(event.type)) return false;
	if (subscription.workers === null) return true;
	const worker = event.worker;
	return worker !== null && subscription.workers.some((pattern) => matchesWorker(pattern, worker));
}

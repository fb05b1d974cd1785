import { changedThroughHere } from "../edge/edge";

/** The coordinator that owns `worker`: one Durable Object per managed Worker, addressed by name. */
export function coordinatorFor(env: Env, worker: string) {
	return env.COORDINATOR.getByName(worker);
}

/**
 * A change's answer from `worker`'s coordinator, passed through once the edge in this isolate has forgotten
 * any active deployment it kept (SHIPLOG_EDGE_FRESHNESS), so this isolate serves the change at once.
 */
export function changed<T>(worker: string, answer: T): T {
	changedThroughHere(worker);
	return answer;
}

import type { Version } from "../../core/model";
import { edgeConfig } from "../../edge/edge-config";
import { currentDeployment, versionById } from "../../edge/resolve";
import { chooseVersion } from "../../edge/version-choice";
import { loaderId, workerCode } from "../../edge/worker-code";
import type { QueueConsumer } from "../../storage/queue-consumers";
import { DISPATCH_ENTRYPOINT } from "../runtime-code";

export interface DeliveredMessage {
	id: string;
	timestamp: number;
	body: unknown;
	attempts: number;
}

export interface Decision {
	op: "ack" | "retry";
	delaySeconds?: number;
}

interface BatchResult {
	outcome: "ok" | "exception" | "no_handler";
	error?: string;
	all: Decision | null;
	each: [string, Decision][];
}

type Dispatch = { deliverBatch(queue: string, messages: DeliveredMessage[]): Promise<BatchResult> };

/**
 * Delivers a batch to the consumer Worker's queue() handler on its active deployment, and answers what to do with
 * each message, as Cloudflare decides it: a message's own ack()/retry() first, then ackAll()/retryAll(), then the
 * handler's outcome (returned: ack; threw: retry). A consumer that cannot be run (not deployed, no queue() handler,
 * failed to start) gets every message retried.
 */
export async function deliverBatch(
	env: Env,
	ctx: { readonly exports: Cloudflare.Exports },
	consumer: QueueConsumer,
	queue: string,
	messages: DeliveredMessage[],
): Promise<Map<string, Decision>> {
	const decisions = new Map<string, Decision>();
	const retryAll = () => new Map(messages.map((m) => [m.id, { op: "retry" } as Decision]));
	try {
		const dispatch = await consumerDispatch(env, ctx, consumer.worker);
		if (!dispatch) return retryAll();
		const result = await dispatch.deliverBatch(queue, messages);
		if (result.outcome === "no_handler") {
			console.warn(
				JSON.stringify({ at: "queue.deliver", queue, worker: consumer.worker, error: "no queue() handler" }),
			);
			return retryAll();
		}
		if (result.outcome === "exception") {
			console.warn(JSON.stringify({ at: "queue.deliver", queue, worker: consumer.worker, error: result.error }));
		}
		const each = new Map(result.each);
		const fallback: Decision = result.all ?? { op: result.outcome === "ok" ? "ack" : "retry" };
		for (const message of messages) decisions.set(message.id, each.get(message.id) ?? fallback);
		return decisions;
	} catch (error) {
		console.error(JSON.stringify({ at: "queue.deliver", queue, worker: consumer.worker, error: String(error) }));
		return retryAll();
	}
}

async function consumerDispatch(
	env: Env,
	ctx: { readonly exports: Cloudflare.Exports },
	worker: string,
): Promise<Dispatch | null> {
	const deployment = await currentDeployment(env, worker);
	if (!deployment) return null;
	const versions = await Promise.all(deployment.versions.map((v) => versionById(env.DB, worker, v.version_id)));
	const known = versions.filter((v): v is Version => v !== null);
	if (known.length === 0) return null;
	const newest = known.reduce((a, b) => (b.number > a.number ? b : a));
	const choice = chooseVersion(worker, deployment, newest.id, new Headers());
	const version = known.find((v) => v.id === choice.version_id) ?? newest;
	const config = edgeConfig(env);
	const code = await workerCode(env, ctx, version, config, 0, true);
	const stub = env.LOADER.get(`${loaderId(version, config)};dispatch`, () => code);
	return stub.getEntrypoint(DISPATCH_ENTRYPOINT) as unknown as Dispatch;
}

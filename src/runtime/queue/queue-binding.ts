import { WorkerEntrypoint } from "cloudflare:workers";
import { BindingError, type Outcome, outcome, settle } from "../outcome";
import { storeName } from "../resource-ids";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { checkContentType, checkDelay, MAX_BATCH_MESSAGES, queueLimits } from "./queue-rules";
import type { EnqueuedMessage } from "./queue-store";

/**
 * What a managed Worker holds for a `queue` producer binding (through the shim's Queue): `ctx.props.resource` is
 * the queue's name, its resource id. Checks every message as Cloudflare's binding does; the store checks the
 * queue's backlog limits, which only the single writer can count without races.
 */
export class QueueBinding extends WorkerEntrypoint<Env, RuntimeBindingProps> {
	sendMessages(messages: unknown, options: unknown): Promise<Outcome<void>> {
		return outcome(
			async () => {
				if (!Array.isArray(messages) || messages.length === 0) {
					throw new BindingError("sendBatch() needs at least one message.", "TypeError");
				}
				if (messages.length > MAX_BATCH_MESSAGES) {
					throw new BindingError(`A batch holds at most ${MAX_BATCH_MESSAGES} messages.`, "RangeError");
				}
				const batchDelay = checkDelay((options as { delaySeconds?: unknown } | null)?.delaySeconds);
				const list: EnqueuedMessage[] = messages.map((m) => {
					const message = (m ?? {}) as { body?: unknown; contentType?: unknown; delaySeconds?: unknown };
					if (message.body === undefined) throw new BindingError("A queue message needs a body.", "TypeError");
					const own = message.delaySeconds;
					return {
						body: message.body,
						contentType: checkContentType(message.contentType),
						delaySeconds: own === undefined || own === null ? batchDelay : checkDelay(own),
					};
				});
				const { resource } = this.ctx.props;
				settle(
					await this.env.QUEUES.getByName(storeName("queue", resource)).enqueue(resource, list, queueLimits(this.env)),
				);
			},
			"Queue send failed: internal error",
			{ binding: this.ctx.props.binding, worker: this.ctx.props.worker, version: this.ctx.props.version },
			true,
		);
	}
}

// Shipped into managed Workers that bind a queue (see install.shim.js): a Queue producer over the stub of
// src/runtime/queue/queue-binding.ts. It only adapts shapes; the binding checks every message.
import { unwrap } from "./outcome.shim.js";

export class Queue {
	#stub;

	constructor(stub) {
		this.#stub = stub;
	}

	async send(body, options) {
		unwrap(
			await this.#stub.sendMessages(
				[{ body, contentType: options?.contentType, delaySeconds: options?.delaySeconds }],
				{},
			),
		);
	}

	async sendBatch(messages, options) {
		const list = [...messages].map((m) => ({
			body: m?.body,
			contentType: m?.contentType,
			delaySeconds: m?.delaySeconds,
		}));
		unwrap(await this.#stub.sendMessages(list, { delaySeconds: options?.delaySeconds }));
	}
}

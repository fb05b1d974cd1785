import { createHmac } from "node:crypto";
import { vi } from "vitest";

/** A webhook delivery as the receiver saw it. */
export interface Received {
	url: string;
	headers: Record<string, string>;
	body: string;
	redirect: RequestInit["redirect"];
}

type Answer = (request: Received, signal: AbortSignal | undefined) => Response | Promise<Response>;

/**
 * Receivers on `*.receiver.test`, answered by the test itself: globalThis.fetch is spied on, so shiplog's
 * own outbound fetch (from the WebhookSender Durable Object) reaches them. Other URLs go to the real fetch.
 */
export class Receivers {
	readonly received: Received[] = [];
	private readonly answers = new Map<string, Answer>();

	constructor() {
		const real = globalThis.fetch;
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const request = new Request(input, init);
			const url = new URL(request.url);
			if (!url.hostname.endsWith("receiver.test") && url.hostname !== "hooks.slack.com") return real(input, init);
			const seen: Received = {
				url: request.url,
				headers: Object.fromEntries(request.headers),
				body: await request.text(),
				redirect: init?.redirect,
			};
			this.received.push(seen);
			const answer = this.answers.get(url.hostname) ?? (() => new Response("ok"));
			return answer(seen, init?.signal ?? undefined);
		});
	}

	/** How the receiver at `host` answers from now on. */
	answer(host: string, answer: Answer): void {
		this.answers.set(host, answer);
	}

	at(host: string): Received[] {
		return this.received.filter((r) => new URL(r.url).hostname === host);
	}
}

/** A receiver that never answers, until the sender gives up on it. */
export const hang: Answer = (_, signal) =>
	new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));

/**
 * Verifies a Standard Webhooks delivery with node:crypto, independently of shiplog's signing code:
 * HMAC-SHA256 with the secret's bytes over `id.timestamp.body`, any `v1,` entry matching.
 */
export function verifyStandardWebhook(secret: string, received: Received): boolean {
	const id = received.headers["webhook-id"];
	const timestamp = received.headers["webhook-timestamp"];
	const signatures = (received.headers["webhook-signature"] ?? "").split(" ");
	const key = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
	const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${received.body}`).digest("base64");
	return signatures.includes(`v1,${expected}`);
}

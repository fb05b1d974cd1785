import { describe, expect, it } from "vitest";
import { deployCode, edge, eventually } from "../edge/edge-helpers";
import { api } from "../helpers";

const A = "/client/v4/accounts/0123456789abcdef0123456789abcdef";
const kv = { name: "SEEN", type: "kv_namespace", namespace_id: "queue-seen" };

const PRODUCER = `
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const n = Number(url.searchParams.get("n") ?? 0);
		const answer = async (f) => {
			try { await f(); return Response.json({ ok: true }); }
			catch (e) { return Response.json({ ok: false, name: e.constructor.name, message: e.message }); }
		};
		switch (url.pathname) {
			case "/send": return answer(() => env.JOBS.send({ n, mode: url.searchParams.get("mode") ?? "ok" }));
			case "/delayed": return answer(() => env.JOBS.send({ n, mode: "ok" }, { delaySeconds: 2 }));
			case "/batch": return answer(() => env.JOBS.sendBatch([1, 2, 3].map((i) => ({ body: { n: n + i, mode: "ok" } }))));
			case "/big": return answer(() => env.JOBS.send("x".repeat(200 * 1024)));
			case "/fill": return answer(() => env.FULL.sendBatch(Array.from({ length: 30 }, (_, i) => ({ body: i }))));
			default: return new Response("?", { status: 404 });
		}
	},
};`;

/** Records every delivery in KV; "retry" asks for a retry, "throw" throws (both until the DLQ takes them). */
const CONSUMER = `
export default {
	async queue(batch, env) {
		for (const message of batch.messages) {
			const { n, mode } = message.body;
			await env.SEEN.put("seen:" + n + ":" + message.attempts, batch.queue);
			if (mode === "retry") message.retry();
			else if (mode !== "throw") message.ack();
		}
		if (batch.messages.some((m) => m.body.mode === "throw")) throw new Error("consumer failed");
	},
	async fetch(request, env) {
		const { keys } = await env.SEEN.list();
		return Response.json(keys.map((k) => k.name));
	},
};`;

const DLQ_CONSUMER = `
export default {
	async queue(batch, env) {
		for (const m of batch.messages) await env.SEEN.put("dead:" + m.body.n, String(m.attempts));
		batch.ackAll();
	},
};`;

async function consumer(queue: string, script: string, extra: Record<string, unknown> = {}) {
	const res = await api(`${A}/queues/${queue}/consumers`, {
		method: "POST",
		body: JSON.stringify({
			script_name: script,
			type: "worker",
			settings: { batch_size: 5, max_retries: 2, ...extra },
		}),
	});
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json() as Promise<any>;
}

const seen = async (): Promise<string[]> => (await (await edge("q-consumer")).json()) as string[];

describe("queues of managed Workers", () => {
	it("send and sendBatch reach the consumer's queue(); retry, throw, max retries and the dead-letter queue", async () => {
		await deployCode("q-producer", PRODUCER, {
			bindings: [
				{ name: "JOBS", type: "queue", queue_name: "jobs" },
				{ name: "FULL", type: "queue", queue_name: "full" },
			],
		});
		await deployCode("q-consumer", CONSUMER, { bindings: [kv] });
		await deployCode("q-dead", DLQ_CONSUMER, { bindings: [kv] });
		const added = await consumer("jobs", "q-consumer", { retry_delay: 0 });
		expect(added.result).toMatchObject({ queue_name: "jobs", script: "q-consumer", type: "worker" });
		await api(`${A}/queues/jobs/consumers/${added.result.consumer_id}`, {
			method: "PUT",
			body: JSON.stringify({
				script_name: "q-consumer",
				dead_letter_queue: "jobs-dlq",
				settings: { batch_size: 5, max_retries: 2, retry_delay: 0 },
			}),
		});
		await consumer("jobs-dlq", "q-dead");

		expect(await (await edge("q-producer", "/send?n=1")).json()).toEqual({ ok: true });
		expect(await (await edge("q-producer", "/batch?n=10")).json()).toEqual({ ok: true });
		await eventually(async () => {
			const keys = await seen();
			return ["seen:1:1", "seen:11:1", "seen:12:1", "seen:13:1"].every((k) => keys.includes(k));
		});

		// retry(): delivered 1 + max_retries times, then to the dead-letter queue.
		await edge("q-producer", "/send?n=2&mode=retry");
		// A handler that throws: every message not acked is retried the same way.
		await edge("q-producer", "/send?n=3&mode=throw");
		await eventually(async () => {
			const keys = await seen();
			return keys.includes("dead:2") && keys.includes("dead:3") ? keys : null;
		}, 10_000);
		const keys = await seen();
		expect(keys.filter((k) => k.startsWith("seen:2:")).sort()).toEqual(["seen:2:1", "seen:2:2", "seen:2:3"]);
		expect(keys.filter((k) => k.startsWith("seen:3:")).sort()).toEqual(["seen:3:1", "seen:3:2", "seen:3:3"]);
		expect(keys.filter((k) => k.startsWith("seen:1:"))).toEqual(["seen:1:1"]);
	});

	it("delaySeconds holds a message back", async () => {
		const sent = Date.now();
		await edge("q-producer", "/delayed?n=40");
		await new Promise((r) => setTimeout(r, 500));
		expect(await seen()).not.toContain("seen:40:1");
		await eventually(async () => (await seen()).includes("seen:40:1"), 10_000);
		expect(Date.now() - sent).toBeGreaterThanOrEqual(2000);
	});

	it("limits: message size and backlog, with clear errors", async () => {
		expect(await (await edge("q-producer", "/big")).json()).toMatchObject({
			ok: false,
			message: expect.stringMatching(/exceeds the limit of 131072 bytes/),
		});
		// No consumer for "full", and a backlog of at most 50 (vitest.config.ts): the second 30 do not fit.
		expect(await (await edge("q-producer", "/fill")).json()).toEqual({ ok: true });
		expect(await (await edge("q-producer", "/fill")).json()).toMatchObject({
			ok: false,
			message: expect.stringMatching(/backlog limit is 50/),
		});
	});
});

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { openTarget } from "../src/notifications/webhook-target";
import { keyRing } from "../src/secrets/key-ring";
import { getWebhook } from "../src/storage/webhooks";
import { testApp } from "./fixtures/app";
import { api, deploy, json, patchJson } from "./helpers";

/** The key the test pool is configured with (vitest.config.ts) and two more. */
const A = env.SHIPLOG_SECRETS_KEY as string;
const B = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
const X = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));

const echoSecret = `export default { fetch(_req, env) { return new Response(String(env.TOKEN)); } };`;

async function keyIdsOf(worker: string): Promise<(string | null)[]> {
	const { results } = await env.DB.prepare("SELECT key_id FROM secret_values WHERE worker = ?1 ORDER BY created_on")
		.bind(worker)
		.all<{ key_id: string | null }>();
	return results.map((r) => r.key_id);
}

async function cron(vars: Partial<Env>) {
	const ctx = createExecutionContext();
	await worker.scheduled(createScheduledController({ cron: "17 * * * *" }), { ...env, ...vars } as Env, ctx);
	await waitOnExecutionContext(ctx);
}

describe("secret keys with ids: rotation without breaking anything", () => {
	it("every value records the key that sealed it", async () => {
		await deploy("kid-a", { modules: [{ name: "index.js", body: echoSecret }] });
		expect((await patchJson("/v1/workers/kid-a/secrets/TOKEN", { value: "one" }, "PUT")).status).toBe(201);
		const ring = await keyRing(env);
		expect(await keyIdsOf("kid-a")).toEqual([ring.current.id]);
	});

	it("after a rotation old values still open, the cron re-seals them, and then the old key can go", async () => {
		await deploy("kid-rot", { modules: [{ name: "index.js", body: echoSecret }] });
		await patchJson("/v1/workers/kid-rot/secrets/TOKEN", { value: "before rotation" }, "PUT");
		const rotated = { SHIPLOG_SECRETS_KEY: B, SHIPLOG_SECRETS_KEYS_RETIRED: A };
		const afterRotation = testApp({ vars: rotated });
		expect(await (await afterRotation("/w/kid-rot/")).text()).toBe("before rotation");

		const ringB = await keyRing(rotated);
		expect(await keyIdsOf("kid-rot")).not.toContain(ringB.current.id);
		await cron(rotated);
		expect(await keyIdsOf("kid-rot")).toEqual([ringB.current.id]);

		// A is gone now; the value, re-sealed under B, still serves.
		const onlyB = testApp({ vars: { SHIPLOG_SECRETS_KEY: B, SHIPLOG_SECRETS_KEYS_RETIRED: "" } });
		expect(await (await onlyB("/w/kid-rot/")).text()).toBe("before rotation");
	});

	it("webhook targets are re-sealed too, old ones without a key id included, so the old key can go", async () => {
		// For no Worker of this file, so nothing is ever delivered.
		const create = async (url: string) => {
			const body = { url, events: ["*"], workers: ["no-such-worker"] };
			const res = await api("/v1/webhooks", { method: "POST", body: JSON.stringify(body) });
			expect(res.status, await res.clone().text()).toBe(201);
			return json(res);
		};
		const fresh = await create("https://hooks.example.com/rotating?token=t1");
		const legacy = await create("https://hooks.example.com/legacy?token=t2");
		const ringA = await keyRing(env);
		expect((await getWebhook(env.DB, fresh.id))?.sealed_key_id).toBe(ringA.current.id);
		// A target sealed before key ids were kept for webhooks.
		await env.DB.prepare("UPDATE webhooks SET sealed_key_id = NULL WHERE id = ?1").bind(legacy.id).run();

		const rotated = { SHIPLOG_SECRETS_KEY: B, SHIPLOG_SECRETS_KEYS_RETIRED: A };
		await cron(rotated);
		const ringB = await keyRing(rotated);
		const onlyB = { SHIPLOG_SECRETS_KEY: B, SHIPLOG_SECRETS_KEYS_RETIRED: "" };
		for (const [hook, url] of [
			[fresh, "https://hooks.example.com/rotating?token=t1"],
			[legacy, "https://hooks.example.com/legacy?token=t2"],
		] as const) {
			const row = await getWebhook(env.DB, hook.id);
			if (!row) throw new Error(`webhook ${hook.id} is gone`);
			expect(row.sealed_key_id).toBe(ringB.current.id);
			expect((await openTarget(onlyB, row)).url).toBe(url);
		}
	});

	it("a value no configured key opens: the edge answers a generic 503, and putting the secret again repairs it", async () => {
		await deploy("kid-lost", { modules: [{ name: "index.js", body: echoSecret }] });
		// Sealed with a key this shiplog does not have (it was changed without keeping the old one).
		const withX = testApp({ vars: { SHIPLOG_SECRETS_KEY: X } });
		expect(
			(await withX("/v1/workers/kid-lost/secrets/TOKEN", { method: "PUT", body: JSON.stringify({ value: "v" }) }))
				.status,
		).toBe(201);

		const served = await api("/w/kid-lost/", { token: null });
		expect(served.status).toBe(503);
		const body = await served.text();
		expect(body).not.toContain("SHIPLOG_SECRETS_KEY");
		expect(body).not.toContain("sealed");

		const put = await patchJson("/v1/workers/kid-lost/secrets/TOKEN", { value: "again" }, "PUT");
		expect(put.status).toBe(201);
		expect(await (await api("/w/kid-lost/", { token: null })).text()).toBe("again");
	});

	it("anonymous callers never learn shiplog's configuration: no key at all is a generic 503 at the edge", async () => {
		await deploy("kid-none", { modules: [{ name: "index.js", body: echoSecret }] });
		await patchJson("/v1/workers/kid-none/secrets/TOKEN", { value: "v" }, "PUT");
		const noKey = testApp({ vars: { SHIPLOG_SECRETS_KEY: undefined } });
		const res = await noKey("/w/kid-none/", { token: null });
		expect(res.status).toBe(503);
		expect(await res.text()).not.toContain("SHIPLOG_SECRETS_KEY");
	});
});

describe("Idempotency-Key and secret values", () => {
	it("a retry with the same value replays; the same key with another value is a 422", async () => {
		await deploy("idem-secret");
		const put = (value: string) =>
			api("/v1/workers/idem-secret/secrets/TOKEN", {
				method: "PUT",
				headers: { "idempotency-key": "rotate-1" },
				body: JSON.stringify({ value }),
			});
		expect((await put("first")).status).toBe(201);
		const retry = await put("first");
		expect(retry.headers.get("idempotent-replayed")).toBe("true");
		const other = await put("second");
		expect(other.status).toBe(422);
		expect((await json(other)).error.code).toBe("idempotency_key_reused");
	});
});

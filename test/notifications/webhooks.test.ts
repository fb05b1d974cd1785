import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { systemDeps } from "../../src/deps/deps";
import { emitEvent } from "../../src/notifications/emit";
import { deployCode, edge, eventually, reporter, split, uploadCode } from "../edge/edge-helpers";
import { api, deploy, json, uploadVersion, workerSource } from "../helpers";
import { hang, type Received, Receivers, verifyStandardWebhook } from "./receiver";

let receivers: Receivers;

beforeAll(() => {
	receivers = new Receivers();
});

async function webhook(body: Record<string, unknown>): Promise<{ id: string; secret: string | null; url: string }> {
	const res = await api("/v1/webhooks", { method: "POST", body: JSON.stringify(body) });
	if (res.status !== 201) throw new Error(`webhook: ${res.status} ${await res.text()}`);
	return json(res);
}

const sender = (id: string) => env.WEBHOOK_SENDER.getByName(id);

/** When the sender's next alarm is due (null: none). */
const nextAlarm = (id: string) => runInDurableObject(sender(id), (_, state) => state.storage.getAlarm());

async function deliveries(id: string) {
	return (await json(await api(`/v1/webhooks/${id}/deliveries?limit=100`))).items as {
		event_id: string;
		event_type: string;
		status: string;
		attempts: { attempt: number; at: string; response_status: number | null; error: string | null }[];
	}[];
}

const typeOf = (r: Received) => JSON.parse(r.body).type as string;
const v = (text: string) => ({ modules: [{ name: "index.js", body: workerSource(text) }] });

describe("Standard Webhooks deliveries", () => {
	it("are signed over id.timestamp.body (checked with node:crypto) and carry the event", async () => {
		const hook = await webhook({ url: "https://a.receiver.test/in", events: ["*"], workers: ["wh-sign-*"] });
		expect(hook.secret).toMatch(/^whsec_/);
		const { deployment } = await deploy("wh-sign-1");
		const [got] = await eventually(
			async () => receivers.at("a.receiver.test").length > 0 && receivers.at("a.receiver.test"),
		);
		if (!got || !hook.secret) throw new Error("no delivery");
		expect(verifyStandardWebhook(hook.secret, got)).toBe(true);
		expect(verifyStandardWebhook(hook.secret, { ...got, body: got.body.replace("wh-sign-1", "wh-sign-2") })).toBe(
			false,
		);
		expect(got.headers["content-type"]).toBe("application/json");
		expect(Math.abs(Number(got.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
		expect(got.redirect).toBe("manual");
		const payload = JSON.parse(got.body);
		expect(payload).toMatchObject({
			type: "worker.deployed",
			data: { worker: "wh-sign-1", deployment: { id: deployment.id }, actor: { principal: "admin", source: "api" } },
		});
		const [delivery] = await deliveries(hook.id);
		expect(delivery).toMatchObject({ event_id: got.headers["webhook-id"], status: "delivered" });
		expect(delivery?.attempts).toEqual([expect.objectContaining({ attempt: 1, response_status: 200, error: null })]);
	});

	it("go only to webhooks whose Worker patterns match", async () => {
		await webhook({ url: "https://b.receiver.test/in", events: ["*"], workers: ["wh-only-*"] });
		await deploy("wh-other");
		await deploy("wh-only-1");
		await eventually(async () => receivers.at("b.receiver.test").length > 0);
		await new Promise((r) => setTimeout(r, 200));
		const workers = receivers.at("b.receiver.test").map((r) => JSON.parse(r.body).data.worker);
		expect(workers).toEqual(["wh-only-1"]);
	});

	it("retry with growing waits kept by alarms, in order: later events wait behind a failing one", async () => {
		const host = "c.receiver.test";
		const hook = await webhook({ url: `https://${host}/in`, events: ["*"], workers: ["wh-retry-*"] });
		let failing = true;
		receivers.answer(host, () => new Response("down", { status: failing ? 503 : 200 }));

		const first = await deploy("wh-retry-1", v("one"));
		await eventually(async () => receivers.at(host).length === 1);
		// A second event while the first waits for its retry: it is queued, not sent.
		const second = await deploy("wh-retry-1", v("two"));
		await new Promise((r) => setTimeout(r, 300));
		expect(receivers.at(host)).toHaveLength(1);

		let [delivery] = await deliveries(hook.id);
		const attempt1 = Date.parse(delivery?.attempts[0]?.at ?? "");
		expect(delivery?.attempts[0]).toMatchObject({ response_status: 503, error: "the receiver answered 503" });
		expect(await nextAlarm(hook.id)).toBeGreaterThanOrEqual(attempt1 + 30_000);
		expect(await nextAlarm(hook.id)).toBeLessThan(attempt1 + 31_000);

		// The alarm is the schedule: running it now stands in for waiting 30 s.
		expect(await runDurableObjectAlarm(sender(hook.id))).toBe(true);
		[delivery] = (await deliveries(hook.id)).filter((d) => d.attempts.length === 2);
		const attempt2 = Date.parse(delivery?.attempts[1]?.at ?? "");
		expect(await nextAlarm(hook.id)).toBeGreaterThanOrEqual(attempt2 + 120_000);
		expect(await nextAlarm(hook.id)).toBeLessThan(attempt2 + 121_000);

		failing = false;
		expect(await runDurableObjectAlarm(sender(hook.id))).toBe(true);
		const got = receivers.at(host);
		const ids = got.map((r) => r.headers["webhook-id"]);
		expect(ids).toHaveLength(4);
		// The same message three times (one webhook-id), then the next one.
		expect(new Set(ids.slice(0, 3)).size).toBe(1);
		expect(ids[3]).not.toBe(ids[0]);
		expect(got.map((r) => JSON.parse(r.body).data.deployment.id)).toEqual([
			first.deployment.id,
			first.deployment.id,
			first.deployment.id,
			second.deployment.id,
		]);
		for (const r of got) expect(verifyStandardWebhook(hook.secret ?? "", r)).toBe(true);
		const all = await deliveries(hook.id);
		expect(all.map((d) => d.status)).toEqual(["delivered", "delivered"]);
		expect(all[1]?.attempts.map((a) => a.response_status)).toEqual([503, 503, 200]);
		expect(await nextAlarm(hook.id)).toBeNull();
	});

	it("give up after the configured attempts, waiting 4x longer each time up to six hours, then go on", async () => {
		const host = "d.receiver.test";
		const hook = await webhook({ url: `https://${host}/in`, events: ["*"], workers: ["wh-dead-*"] });
		receivers.answer(host, () => new Response("no", { status: 500 }));
		await deploy("wh-dead-1");
		await eventually(async () => receivers.at(host).length === 1);
		const waits: number[] = [];
		for (let attempt = 1; attempt < 8; attempt++) {
			const [delivery] = await deliveries(hook.id);
			const last = Date.parse(delivery?.attempts.at(-1)?.at ?? "");
			waits.push(Math.round(((await nextAlarm(hook.id)) ?? 0) - last) / 1000);
			await runDurableObjectAlarm(sender(hook.id));
		}
		expect(waits.map(Math.round)).toEqual([30, 120, 480, 1920, 7680, 21600, 21600]);
		const [dead] = await deliveries(hook.id);
		expect(dead?.status).toBe("failed");
		expect(dead?.attempts).toHaveLength(8);
		expect(await nextAlarm(hook.id)).toBeNull();
		// The next event is not held up by the one that was given up on.
		receivers.answer(host, () => new Response("ok"));
		await deploy("wh-dead-1", v("again"));
		await eventually(async () => (await deliveries(hook.id))[0]?.status === "delivered");
	});

	it("never follow redirects, and give a receiver that does not answer only the configured time", async () => {
		const host = "e.receiver.test";
		const hook = await webhook({ url: `https://${host}/in`, events: ["*"], workers: ["wh-odd-*"] });
		receivers.answer(host, () => new Response(null, { status: 302, headers: { location: "https://elsewhere.test/" } }));
		await deploy("wh-odd-1");
		await eventually(async () => (await deliveries(hook.id))[0]?.attempts.length === 1);
		expect((await deliveries(hook.id))[0]?.attempts[0]).toMatchObject({
			response_status: 302,
			error: "redirects are not followed (302)",
		});
		expect(receivers.received.some((r) => r.url.includes("elsewhere.test"))).toBe(false);

		receivers.answer(host, hang);
		await runDurableObjectAlarm(sender(hook.id));
		const [delivery] = await deliveries(hook.id);
		expect(delivery?.attempts[1]).toMatchObject({ response_status: null, error: "no answer within 1000 ms" });
		await api(`/v1/webhooks/${hook.id}`, { method: "DELETE" });
	});

	it("a receiver that does not answer does not slow a deploy down", async () => {
		const host = "f.receiver.test";
		const hook = await webhook({ url: `https://${host}/in`, events: ["*"], workers: ["wh-slow-*"] });
		// This receiver holds every request (ignoring the sender's timeout) until the test lets it go.
		let release = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		receivers.answer(host, async () => {
			await held;
			return new Response("ok");
		});
		await deploy("wh-slow-1");
		await eventually(async () => receivers.at(host).length === 1);
		// The sender is stuck on the receiver; deploys still finish, long before it lets go.
		const deploys = (async () => {
			await deploy("wh-slow-1", v("two"));
			await deploy("wh-slow-1", v("three"));
			return "deployed";
		})();
		const outcome = await Promise.race([deploys, new Promise((r) => setTimeout(() => r("blocked"), 10_000))]);
		expect(outcome).toBe("deployed");
		expect(receivers.at(host)).toHaveLength(1);
		release();
		await eventually(
			async () => (await deliveries(hook.id)).filter((d) => d.status === "delivered").length === 3,
			5000,
		);
		expect(receivers.at(host).map((r) => JSON.parse(r.body).data.deployment.number)).toEqual([1, 2, 3]);
		await api(`/v1/webhooks/${hook.id}`, { method: "DELETE" });
	});
});

describe("what is delivered", () => {
	it("each kind of deployment is one event of its own type, and refused rollbacks and deleted resources too", async () => {
		const host = "g.receiver.test";
		await webhook({ url: `https://${host}/in`, events: ["*"], workers: ["wh-kinds"] });
		const one = await deploy("wh-kinds", v("one"));
		const two = await uploadVersion("wh-kinds", v("two"));
		const post = (path: string, body: unknown) =>
			api(`/v1/workers/wh-kinds/${path}`, { method: "POST", body: JSON.stringify(body) });
		await post("deployments", {
			versions: [
				{ version_id: one.version.id, percentage: 90 },
				{ version_id: two.version.id, percentage: 10 },
			],
		});
		await post("deployments", { versions: [{ version_id: two.version.id, percentage: 100 }] });
		await post("rollback", {});
		await api("/v1/workers/wh-kinds/secrets/KEY", { method: "PUT", body: '{"value":"x"}' });
		expect((await post("rollback", { version_id: two.version.id })).status).toBe(422);
		await eventually(async () => receivers.at(host).length === 6);
		expect(receivers.at(host).map(typeOf)).toEqual([
			"worker.deployed",
			"rollout.started",
			"rollout.finished",
			"worker.rolled_back",
			"worker.deployed",
			"rollback.refused",
		]);
		const refused = JSON.parse(receivers.at(host)[5]?.body ?? "{}");
		expect(refused.data.details.reasons[0].code).toBe("secrets_changed");
	});

	it("an automatic rollback of a failing gradual rollout is worker.auto_rolled_back, from the edge", async () => {
		const host = "l.receiver.test";
		const hook = await webhook({
			url: `https://${host}/in`,
			events: ["worker.auto_rolled_back"],
			workers: ["wh-auto"],
		});
		const { version: good } = await deployCode("wh-auto", reporter("good"));
		const { version: bad } = await uploadCode("wh-auto", `export default { fetch() { throw new Error("bad"); } };`);
		// All traffic to the new version: only what the split assigns is judged.
		await split("wh-auto", [
			{ version_id: good.id, percentage: 0 },
			{ version_id: bad.id, percentage: 100 },
		]);
		for (let i = 0; i < 12; i++) await edge("wh-auto", "/");
		const [got] = await eventually(async () => receivers.at(host).length > 0 && receivers.at(host));
		expect(JSON.parse(got?.body ?? "{}")).toMatchObject({
			type: "worker.auto_rolled_back",
			data: {
				deployment: { triggered_by: "auto_rollback", versions: [{ version_id: good.id, percentage: 100 }] },
				rollout: "finished",
				actor: { principal: "shiplog", kind: "system", source: "edge" },
			},
		});
		const log = await json(await api("/v1/audit-log?worker=wh-auto&action=worker.auto_rollback"));
		expect(log.items[0]).toMatchObject({ outcome: "success", actor: { principal: "shiplog", source: "edge" } });
		await api(`/v1/webhooks/${hook.id}`, { method: "DELETE" });
	});

	it("resource.deleted goes to webhooks without Worker patterns", async () => {
		const host = "h.receiver.test";
		const hook = await webhook({ url: `https://${host}/in`, events: ["resource.deleted"] });
		await api("/v1/resources", { method: "POST", body: JSON.stringify({ type: "queue", id: "wh-queue" }) });
		await api("/v1/resources/queue/wh-queue", { method: "DELETE" });
		await eventually(async () => receivers.at(host).length === 1);
		expect(JSON.parse(receivers.at(host)[0]?.body ?? "{}")).toMatchObject({
			type: "resource.deleted",
			data: { resource: { type: "queue", id: "wh-queue" } },
		});
		await api(`/v1/webhooks/${hook.id}`, { method: "DELETE" });
	});

	it("emitEvent is how other code (the cron audits) sends an event", async () => {
		const host = "i.receiver.test";
		const hook = await webhook({ url: `https://${host}/in`, events: ["finding.opened"], workers: ["wh-audit"] });
		await emitEvent(env, systemDeps, {
			type: "finding.opened",
			worker: "wh-audit",
			data: { check: "rollback_readiness", summary: "no eligible rollback target" },
		});
		await emitEvent(env, systemDeps, { type: "finding.closed", worker: "wh-audit", data: {} });
		await eventually(async () => receivers.at(host).length === 1);
		expect(JSON.parse(receivers.at(host)[0]?.body ?? "{}")).toMatchObject({
			type: "finding.opened",
			data: { check: "rollback_readiness" },
		});
		await api(`/v1/webhooks/${hook.id}`, { method: "DELETE" });
	});

	it("a Slack incoming webhook gets Block Kit text, escaped, and no signature", async () => {
		const hook = await webhook({
			url: "https://hooks.slack.com/services/T0/B0/notreallysecret",
			events: ["worker.deployed"],
			workers: ["wh-slack"],
		});
		expect(hook).toMatchObject({ format: "slack", secret: null, url: "https://hooks.slack.com/services/T0/B0/…" });
		await deploy("wh-slack", { ...v("one"), metadata: { annotations: { "workers/message": "<!channel> ship it" } } });
		const [got] = await eventually(async () => {
			const slack = receivers.received.filter((r) => r.url.includes("hooks.slack.com"));
			return slack.length > 0 && slack;
		});
		expect(got?.headers["webhook-signature"]).toBeUndefined();
		const body = JSON.parse(got?.body ?? "{}");
		expect(body.text).toContain("*wh-slack* deployed by admin");
		expect(body.text).toContain("&lt;!channel&gt; ship it");
		expect(body.text).not.toContain("<!channel>");
		expect(body.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
		await api(`/v1/webhooks/${hook.id}`, { method: "DELETE" });
	});

	it("a deleted webhook gets nothing more", async () => {
		const host = "j.receiver.test";
		const hook = await webhook({ url: `https://${host}/in`, events: ["*"], workers: ["wh-gone"] });
		await api(`/v1/webhooks/${hook.id}`, { method: "DELETE" });
		await deploy("wh-gone");
		await new Promise((r) => setTimeout(r, 300));
		expect(receivers.at(host)).toEqual([]);
		expect((await json(await api("/v1/webhooks"))).items.map((w: { id: string }) => w.id)).not.toContain(hook.id);
	});
});

describe("creating webhooks", () => {
	it.each([
		[{ url: "ftp://files.example.com/x", events: ["*"] }, "http or https"],
		[{ url: "https://user:pass@example.com/x", events: ["*"] }, "credentials"],
		[{ url: "not a url", events: ["*"] }, "absolute URL"],
		[{ url: "https://example.com/x", events: ["worker.exploded"] }, "events"],
		[{ url: "https://example.com/x", events: ["*"], workers: ["Bad*Pattern"] }, "workers[0]"],
	])("refuses %j with a 400 that says what to change", async (body, says) => {
		const res = await api("/v1/webhooks", { method: "POST", body: JSON.stringify(body) });
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain(says);
	});

	it("needs SHIPLOG_SECRETS_KEY to keep the URL and secret encrypted", async () => {
		const { testApp } = await import("../fixtures/app");
		const res = await testApp({ vars: { SHIPLOG_SECRETS_KEY: undefined } })("/v1/webhooks", {
			method: "POST",
			body: JSON.stringify({ url: "https://example.com/x", events: ["*"] }),
		});
		expect(res.status).toBe(503);
	});

	it("lists and shows webhooks with secret parts of the URL hidden", async () => {
		const hook = await webhook({ url: "https://k.receiver.test/in?token=abc", events: ["*"], workers: ["none"] });
		expect(hook.url).toBe("https://k.receiver.test/in?…");
		const shown = await json(await api(`/v1/webhooks/${hook.id}`));
		expect(shown).toMatchObject({ id: hook.id, url: "https://k.receiver.test/in?…", workers: ["none"] });
		expect(shown).not.toHaveProperty("secret");
		expect((await api("/v1/webhooks/00000000-0000-4000-8000-0000000000ff")).status).toBe(404);
	});
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../src/chatops/action-value";
import { split } from "../edge/edge-helpers";
import { api, deploy, json, patchJson, uploadVersion, workerSource } from "../helpers";
import { Receivers } from "../notifications/receiver";
import { buttonOf, buttons, commandBody, press, SIGNING_SECRET, send, slackHeaders, slash, TEAM } from "./slack-client";

const ONCALL = "U0ONCALL";
const READER = "U0READER";
const LEAD = "U0LEAD";
const NOBODY = "U0NOBODY";

let receivers: Receivers;

async function mapUser(user_id: string, principal: string, scopes: string[]) {
	const res = await api("/v1/chatops/slack/users", {
		method: "POST",
		body: JSON.stringify({ team_id: TEAM, user_id, principal, scopes }),
	});
	expect(res.status, await res.clone().text()).toBe(201);
	return json(res);
}

const v = (text: string) => ({ modules: [{ name: "index.js", body: workerSource(text) }] });

async function active(worker: string) {
	return json(await api(`/v1/workers/${worker}/deployments/active`));
}

/** What shiplog posted to one response_url, parsed. */
const followups = (url: string) => receivers.received.filter((r) => r.url === url).map((r) => JSON.parse(r.body));

async function audit(query: string) {
	return (await json(await api(`/v1/audit-log?${query}`))).items as Record<string, any>[];
}

const text = (message: unknown) => JSON.stringify(message);

beforeAll(async () => {
	receivers = new Receivers();
	await mapUser(ONCALL, "oncall@example.com", ["rollback:chat-*"]);
	await mapUser(READER, "reader@example.com", ["read"]);
	await mapUser(LEAD, "lead@example.com", ["deploy"]);
});

describe("requests that are not Slack's", () => {
	it("are refused with 401 when unsigned, signed with another secret, or signed more than 5 minutes ago", async () => {
		const body = commandBody("list", { user: ONCALL });
		const unsigned = await send("commands", body, { "content-type": "application/x-www-form-urlencoded" });
		expect(unsigned.status).toBe(401);
		const forged = await send("commands", body, slackHeaders(body, undefined, "not-the-secret"));
		expect(forged.status).toBe(401);
		expect((await json(forged)).error.message).toContain("signature does not match");
		const old = Math.floor(Date.now() / 1000) - 301;
		const stale = await send("commands", body, slackHeaders(body, old));
		expect(stale.status).toBe(401);
		expect((await json(stale)).error.message).toContain("more than 5 minutes");
		const tampered = await send("commands", body.replace("list", "rollback+chat-x"), slackHeaders(body));
		expect(tampered.status).toBe(401);
		const entries = await audit("action=chatops.verify");
		expect(entries.length).toBeGreaterThanOrEqual(4);
		expect(entries[0]).toMatchObject({ actor: { source: "chatops" }, outcome: "unauthenticated", status: 401 });
	});

	it("are refused for an interaction with a bad signature too, and nothing is posted", async () => {
		await deploy("chat-forged", v("one"));
		await deploy("chat-forged", v("two"));
		const before = receivers.received.length;
		const { body } = (await import("./slack-client")).interactionBody(ONCALL, {
			action_id: ACTION_IDS.prompt,
			value: JSON.stringify({ w: "chat-forged", d: "x" }),
		});
		const res = await send("interactions", body, slackHeaders(body, undefined, `${SIGNING_SECRET}x`));
		expect(res.status).toBe(401);
		expect(receivers.received.length).toBe(before);
	});

	it("a body larger than Slack ever sends is refused before it is read whole", async () => {
		const body = commandBody("x".repeat(20_000), { user: ONCALL });
		const res = await send("commands", body, slackHeaders(body));
		expect(res.status).toBe(413);
	});
});

describe("who may do what", () => {
	it("an unmapped Slack user is told how to get access and can do nothing", async () => {
		await deploy("chat-locked", v("one"));
		await deploy("chat-locked", v("two"));
		const { status, message } = await slash("rollback chat-locked", { user: NOBODY });
		expect(status).toBe(200);
		expect(message.response_type).toBe("ephemeral");
		expect(text(message)).toContain("not linked to shiplog");
		expect(text(message)).toContain("/v1/chatops/slack/link-codes");
		expect(buttons(message)).toEqual([]);
		const [entry] = await audit("action=chatops.rollback");
		expect(entry).toMatchObject({
			actor: { source: "chatops", token_prefix: `slack:${TEAM}/${NOBODY}` },
			outcome: "unauthenticated",
		});
	});

	it("a user without the scope is refused, told which scope, and the refusal is audited", async () => {
		await deploy("chat-scoped", v("one"));
		await deploy("chat-scoped", v("two"));
		const { message } = await slash("rollback chat-scoped", { user: READER });
		expect(text(message)).toContain("needs the rollback scope");
		expect(buttons(message)).toEqual([]);
		const [entry] = await audit("worker=chat-scoped&outcome=denied");
		expect(entry).toMatchObject({
			actor: {
				source: "chatops",
				principal: "reader@example.com",
				kind: "slack",
				token_prefix: `slack:${TEAM}/${READER}`,
			},
			action: "chatops.rollback",
			status: 403,
		});
		// A grant for other Workers does not reach this one.
		await deploy("other-worker", v("one"));
		const denied = await slash("status other-worker", { user: ONCALL });
		expect(text(denied.message)).toContain("needs the read scope");
	});
});

describe("read commands", () => {
	beforeAll(async () => {
		await deploy("chat-read", v("one"));
		await deploy("chat-read", v("two"));
	});

	it("help lists every command", async () => {
		const { message } = await slash("help", { user: READER });
		for (const verb of ["list", "status", "deployments", "diff", "candidates", "rollback", "promote", "abort"]) {
			expect(text(message)).toContain(`/shiplog ${verb}`);
		}
	});

	it("list shows the Workers the user may read with their active deployment", async () => {
		const { message } = await slash("list", { user: ONCALL });
		expect(text(message)).toContain("*chat-read* · v2 100%");
		expect(text(message)).not.toContain("other-worker");
	});

	it("status, deployments, candidates and diff answer in Block Kit", async () => {
		const status = await slash("status chat-read", { user: READER });
		expect(status.message.blocks[0]).toMatchObject({ type: "header", text: { text: "chat-read" } });
		expect(text(status.message)).toContain("*Active:* *#2* v2 100%");
		const deployments = await slash("deployments chat-read", { user: READER });
		expect(text(deployments.message)).toMatch(/#2\* v2 100%.*#1\* v1 100%/);
		const candidates = await slash("candidates chat-read", { user: READER });
		expect(text(candidates.message)).toContain("v1");
		expect(text(candidates.message)).toContain("can be rolled back to");
		const diff = await slash("diff chat-read", { user: READER });
		expect(text(diff.message)).toContain("chat-read: v1 → v2");
		expect(text(diff.message)).toContain("`index.js` modified");
		expect(text(diff.message)).toContain("http://shiplog.test/v1/workers/chat-read/diff?from=");
	});

	it("mistakes get a usage line, unknown Workers a clear answer", async () => {
		expect(text((await slash("status", { user: READER })).message)).toContain("Usage: `/shiplog status <worker>`");
		expect(text((await slash("status chat-nope", { user: ONCALL })).message)).toContain("chat-nope");
	});
});

describe("rollback from Slack", () => {
	it("shows what will happen, acts only on Confirm, posts the outcome in the channel and audits it", async () => {
		await deploy("chat-rb", v("one"));
		const second = await deploy("chat-rb", v("two"));
		const { message } = await slash("rollback chat-rb totals are wrong", { user: ONCALL });
		expect(message.response_type).toBe("ephemeral");
		expect(text(message)).toContain("*From:* v2 100% (deployment #2)");
		expect(text(message)).toContain("*To:* v1");
		expect(text(message)).toContain("Reason: totals are wrong");
		// Nothing happened yet.
		expect((await active("chat-rb")).id).toBe(second.deployment.id);
		const confirm = buttonOf(message, ACTION_IDS.confirm);
		expect(JSON.parse(confirm.value ?? "")).toMatchObject({ k: "rollback", w: "chat-rb", m: second.deployment.id });

		const pressed = await press(ONCALL, confirm);
		expect(pressed.status).toBe(200);
		expect(pressed.text).toBe("");
		const after = await active("chat-rb");
		expect(after).toMatchObject({ triggered_by: "rollback", source: "chatops", message: "totals are wrong" });
		expect(after.author.email).toBe("oncall@example.com");
		const posts = followups(pressed.response_url);
		expect(posts[0]).toEqual({ delete_original: true });
		expect(posts[1]).toMatchObject({ response_type: "in_channel", replace_original: false });
		expect(posts[1].text).toContain(`<@${ONCALL}> rolled back *chat-rb*: v2 100% → v1 100%`);

		const [entry] = await audit("worker=chat-rb&action=worker.rollback");
		expect(entry).toMatchObject({
			outcome: "success",
			actor: {
				source: "chatops",
				principal: "oncall@example.com",
				kind: "slack",
				token_prefix: `slack:${TEAM}/${ONCALL}`,
			},
			target: { deployment_id: after.id },
		});
	});

	it("a second press of the same confirmation does nothing and says so", async () => {
		await deploy("chat-twice", v("one"));
		await deploy("chat-twice", v("two"));
		const { message } = await slash("rollback chat-twice", { user: ONCALL });
		const confirm = buttonOf(message, ACTION_IDS.confirm);
		await press(ONCALL, confirm);
		const rolledBack = await active("chat-twice");
		const again = await press(ONCALL, confirm);
		expect((await active("chat-twice")).id).toBe(rolledBack.id);
		const [post] = followups(again.response_url);
		expect(post.text).toContain("already used by oncall@example.com");
	});

	it("a press that fails inside shiplog (a 5xx) can be pressed again, and then acts once", async () => {
		await deploy("chat-retry", v("one"));
		const second = await deploy("chat-retry", v("two"));
		const { message } = await slash("rollback chat-retry", { user: ONCALL });
		const confirm = buttonOf(message, ACTION_IDS.confirm);
		// The change's batch writes its audit entry: without the table, the coordinator cannot commit (a 503).
		await env.DB.exec("ALTER TABLE audit_log RENAME TO audit_log_away");
		let failed: Awaited<ReturnType<typeof press>>;
		try {
			failed = await press(ONCALL, confirm);
		} finally {
			await env.DB.exec("ALTER TABLE audit_log_away RENAME TO audit_log");
		}
		expect((await active("chat-retry")).id).toBe(second.deployment.id);
		expect(followups(failed.response_url)[0].text).not.toContain("already used");

		const again = await press(ONCALL, confirm);
		const after = await active("chat-retry");
		expect(after).toMatchObject({ triggered_by: "rollback", rollback_from: second.deployment.id });
		expect(followups(again.response_url)[1].text).toContain("rolled back *chat-retry*");
		const third = await press(ONCALL, confirm);
		expect((await active("chat-retry")).id).toBe(after.id);
		expect(followups(third.response_url)[0].text).toContain("already used by oncall@example.com");
	});

	it("a confirmation made stale by someone else's deploy is refused and says so", async () => {
		await deploy("chat-stale", v("one"));
		await deploy("chat-stale", v("two"));
		const { message } = await slash("rollback chat-stale", { user: ONCALL });
		const confirm = buttonOf(message, ACTION_IDS.confirm);
		const meanwhile = await deploy("chat-stale", v("three"));
		const pressed = await press(ONCALL, confirm);
		expect((await active("chat-stale")).id).toBe(meanwhile.deployment.id);
		const [post] = followups(pressed.response_url);
		expect(post).toMatchObject({ response_type: "ephemeral", replace_original: true });
		expect(post.text).toContain("changed since this confirmation was shown");
		expect(post.text).toContain("#3");
		const [entry] = await audit("worker=chat-stale&outcome=refused");
		expect(entry).toMatchObject({
			actor: { source: "chatops", token_prefix: `slack:${TEAM}/${ONCALL}` },
			status: 412,
			action: "worker.rollback",
		});
	});

	it("a refused rollback shows its reasons and offers nothing to confirm", async () => {
		await deploy("chat-refused", v("one"));
		for (let i = 0; i < 11; i++) await uploadVersion("chat-refused", v(`n${i}`));
		await deploy("chat-refused", v("last"));
		const { message } = await slash("rollback chat-refused v1", { user: ONCALL });
		expect(text(message)).toContain("Refused because");
		expect(buttons(message).map((b) => b.action_id)).toEqual([]);
	});

	it("a rollback over changed secrets needs a second, explicit confirmation", async () => {
		await deploy("chat-force", v("one"));
		const { version: target } = await json(await patchJson("/v1/workers/chat-force/secrets/A", { value: "1" }, "PUT"));
		await patchJson("/v1/workers/chat-force/secrets/A", { value: "2" }, "PUT");
		const { message } = await slash(`rollback chat-force v${target.number}`, { user: ONCALL });
		expect(text(message)).toContain("Refused because");
		expect(buttons(message).map((b) => b.action_id)).toEqual([ACTION_IDS.force, ACTION_IDS.cancel]);
		const before = await active("chat-force");

		const first = await press(ONCALL, buttonOf(message, ACTION_IDS.force));
		expect((await active("chat-force")).id).toBe(before.id);
		const [second] = followups(first.response_url);
		expect(second).toMatchObject({ replace_original: true });
		expect(text(second)).toContain("Force the rollback");
		const yes = buttonOf(second, ACTION_IDS.confirm);
		expect(JSON.parse(yes.value ?? "").f).toBe(true);

		const done = await press(ONCALL, yes);
		const after = await active("chat-force");
		expect(after.id).not.toBe(before.id);
		expect(after.versions).toEqual([{ version_id: target.id, percentage: 100 }]);
		expect(followups(done.response_url)[1].text).toContain("rolled back (forced)");
	});

	it("Cancel removes the confirmation and changes nothing", async () => {
		await deploy("chat-cancel", v("one"));
		const second = await deploy("chat-cancel", v("two"));
		const { message } = await slash("rollback chat-cancel", { user: ONCALL });
		const pressed = await press(ONCALL, buttonOf(message, ACTION_IDS.cancel));
		expect(followups(pressed.response_url)).toEqual([{ delete_original: true }]);
		expect((await active("chat-cancel")).id).toBe(second.deployment.id);
	});
});

describe("gradual rollouts", () => {
	async function rollout(worker: string) {
		const first = await deploy(worker, v("old"));
		const next = await uploadVersion(worker, v("new"));
		await split(worker, [
			{ version_id: first.version.id, percentage: 90 },
			{ version_id: next.version.id, percentage: 10 },
		]);
		return { old: first.version.id, new: next.version.id };
	}

	it("promote sends all traffic to the new version after confirmation (deploy scope)", async () => {
		const versions = await rollout("chat-promote");
		const status = await slash("status chat-promote", { user: LEAD });
		expect(text(status.message)).toContain("Gradual rollout");
		const denied = await slash("promote chat-promote", { user: ONCALL });
		expect(text(denied.message)).toContain("needs the deploy scope");
		const { message } = await slash("promote chat-promote", { user: LEAD });
		expect(text(message)).toContain("*From:* v1 90% · v2 10%");
		const pressed = await press(LEAD, buttonOf(message, ACTION_IDS.confirm));
		expect((await active("chat-promote")).versions).toEqual([{ version_id: versions.new, percentage: 100 }]);
		expect(followups(pressed.response_url)[1].text).toContain("promoted *chat-promote*");
	});

	it("abort sends all traffic back to the old version (rollback scope is enough)", async () => {
		const versions = await rollout("chat-abort");
		const { message } = await slash("abort chat-abort", { user: ONCALL });
		await press(ONCALL, buttonOf(message, ACTION_IDS.confirm));
		expect((await active("chat-abort")).versions).toEqual([{ version_id: versions.old, percentage: 100 }]);
	});

	it("promote without a rollout in progress says so", async () => {
		await deploy("chat-single", v("one"));
		const { message } = await slash("promote chat-single", { user: LEAD });
		expect(text(message)).toContain("no gradual rollout");
	});
});

describe("Slack's retries and replays", () => {
	it("a retried command (X-Slack-Retry-Num, same trigger) is acknowledged and not answered twice", async () => {
		await deploy("chat-retry", v("one"));
		const first = await slash("status chat-retry", { user: READER, trigger: "retry.1.abc" });
		expect(first.message.blocks.length).toBeGreaterThan(0);
		const retried = await slash("status chat-retry", {
			user: READER,
			trigger: "retry.1.abc",
			headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
		});
		expect(retried).toMatchObject({ status: 200, message: null });
	});

	it("a replayed button press (the same signed request again) acts once", async () => {
		await deploy("chat-replay", v("one"));
		await deploy("chat-replay", v("two"));
		const { message } = await slash("rollback chat-replay", { user: ONCALL });
		const { body } = (await import("./slack-client")).interactionBody(ONCALL, buttonOf(message, ACTION_IDS.confirm));
		const headers = slackHeaders(body);
		expect((await send("interactions", body, headers)).status).toBe(200);
		const once = (await json(await api("/v1/workers/chat-replay/deployments"))).items.length;
		expect((await send("interactions", body, headers)).status).toBe(200);
		expect((await json(await api("/v1/workers/chat-replay/deployments"))).items.length).toBe(once);
		expect(once).toBe(3);
	});
});

describe("notifications into Slack", () => {
	it("a deploy message carries Roll back to previous, which opens the same confirmation", async () => {
		const hook = await json(
			await api("/v1/webhooks", {
				method: "POST",
				body: JSON.stringify({
					url: "https://hooks.slack.com/services/T0/B0/secret",
					events: ["*"],
					workers: ["chat-notify"],
				}),
			}),
		);
		expect(hook.format).toBe("slack");
		await deploy("chat-notify", v("one"));
		const second = await deploy("chat-notify", v("two"));
		await env.WEBHOOK_SENDER.getByName(hook.id).kick(hook.id);
		const deliveries = () =>
			receivers.received.filter((r) => r.url.includes("/services/T0/B0/")).map((r) => JSON.parse(r.body));
		const start = Date.now();
		while (!deliveries().some((m) => text(m).includes(second.deployment.id.slice(0, 8))) && Date.now() - start < 5000) {
			await new Promise((r) => setTimeout(r, 50));
		}
		const notice = deliveries().find((m) => text(m).includes(second.deployment.id)) ?? deliveries().at(-1);
		const rollBack = buttonOf(notice, ACTION_IDS.prompt);
		const pressed = await press(ONCALL, rollBack);
		const [prompt] = followups(pressed.response_url);
		expect(prompt).toMatchObject({ response_type: "ephemeral", replace_original: false });
		expect(text(prompt)).toContain("Roll back chat-notify?");
		await press(ONCALL, buttonOf(prompt, ACTION_IDS.confirm));
		expect((await active("chat-notify")).triggered_by).toBe("rollback");
	});
});

import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectShiplog, type Shiplog, sleep } from "./harness";

/**
 * ChatOps end to end: shiplog under `wrangler dev` gets slash commands and button presses signed as Slack
 * signs them (node:crypto here), and posts its follow-ups with its own fetch to a response_url that this
 * test serves on loopback, as Slack's hooks would receive them.
 */
const TEAM = "T0E2E";
const USER = "U0E2EONCALL";
const WORKER = "chatops-e2e";

let shiplog: Shiplog;
let server: Server;
let responseBase: string;
const posted: { path: string; body: any }[] = [];

function signed(body: string, secret = shiplog.slack.signingSecret) {
	const ts = Math.floor(Date.now() / 1000);
	return {
		"content-type": "application/x-www-form-urlencoded",
		"x-slack-request-timestamp": String(ts),
		"x-slack-signature": `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`,
	};
}

async function post(path: string, body: string, headers = signed(body)) {
	const res = await fetch(`${shiplog.url}/chatops/slack/${path}`, { method: "POST", headers, body });
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : null };
}

let n = 0;
function command(text: string) {
	n += 1;
	return new URLSearchParams({
		team_id: TEAM,
		user_id: USER,
		command: "/shiplog",
		text,
		response_url: `${responseBase}/commands/${n}`,
		trigger_id: `${n}.e2e.${crypto.randomUUID()}`,
	}).toString();
}

function pressBody(button: { action_id: string; value: string }) {
	n += 1;
	const response_url = `${responseBase}/actions/${n}`;
	const payload = {
		type: "block_actions",
		team: { id: TEAM },
		user: { id: USER, username: "oncall" },
		trigger_id: `${n}.e2e.${crypto.randomUUID()}`,
		response_url,
		actions: [{ type: "button", action_id: button.action_id, value: button.value }],
	};
	return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), path: `/actions/${n}` };
}

async function upload(text: string) {
	const form = new FormData();
	form.append(
		"metadata",
		new Blob([JSON.stringify({ main_module: "index.js", compatibility_date: "2026-11-01" })], {
			type: "application/json",
		}),
	);
	form.append(
		"index.js",
		new File([`export default { fetch() { return new Response(${JSON.stringify(text)}); } };`], "index.js", {
			type: "application/javascript+module",
		}),
	);
	const { status, body } = await shiplog.native(`/v1/workers/${WORKER}`, { method: "PUT", body: form });
	expect(status, JSON.stringify(body)).toBe(201);
	return body;
}

async function until<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`nothing arrived in ${timeoutMs} ms: ${JSON.stringify(posted)}`);
		await sleep(50);
	}
}

beforeAll(async () => {
	shiplog = connectShiplog(inject("shiplog"));
	server = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk) => {
			body += chunk;
		});
		req.on("end", () => {
			posted.push({ path: req.url ?? "", body: JSON.parse(body) });
			res.end("ok");
		});
	});
	await new Promise<void>((resolve) => server.listen(shiplog.slack.responsePort, "127.0.0.1", () => resolve()));
	responseBase = `http://127.0.0.1:${shiplog.slack.responsePort}`;
	const mapped = await shiplog.native("/v1/chatops/slack/users", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ team_id: TEAM, user_id: USER, principal: "oncall@example.com", scopes: ["rollback"] }),
	});
	expect(mapped.status).toBe(201);
	await upload("one");
	await upload("two");
});

afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("Slack against shiplog under wrangler dev", () => {
	it("refuses a forged command with 401", async () => {
		const body = command("list");
		const res = await post("commands", body, signed(body, "not-the-secret"));
		expect(res.status).toBe(401);
	});

	it("answers a command at once, and a confirmed rollback follows up on the response_url", async () => {
		const started = Date.now();
		const prompt = await post("commands", command(`rollback ${WORKER} e2e`));
		expect(Date.now() - started).toBeLessThan(3000);
		expect(prompt.status).toBe(200);
		const confirm = prompt.json.blocks
			.filter((b: { type: string }) => b.type === "actions")
			.flatMap((b: { elements: { action_id: string; value: string }[] }) => b.elements)
			.find((e: { action_id: string }) => e.action_id === "shiplog.confirm");
		expect(confirm).toBeDefined();

		const press = pressBody(confirm);
		const acked = await post("interactions", press.body);
		expect(acked).toEqual({ status: 200, json: null });
		const outcome = await until(() =>
			posted.find((p) => p.path === press.path && p.body.response_type === "in_channel"),
		);
		expect(outcome.body.text).toContain(`<@${USER}> rolled back *${WORKER}*: v2 100% → v1 100%`);
		expect(posted.some((p) => p.path === press.path && p.body.delete_original === true)).toBe(true);
		const active = await shiplog.native(`/v1/workers/${WORKER}/deployments/active`);
		expect(active.body).toMatchObject({ triggered_by: "rollback", source: "chatops" });
		expect(await shiplog.edge(WORKER)).toBe("one");

		// The same press again: acknowledged, nothing done twice.
		const again = await post("interactions", press.body);
		expect(again.status).toBe(200);
		const deployments = await shiplog.native(`/v1/workers/${WORKER}/deployments`);
		expect(deployments.body.items).toHaveLength(3);
	});
});

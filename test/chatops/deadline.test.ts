import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ANSWER_WITHIN_MS } from "../../src/chatops/receiver";
import { testApp } from "../fixtures/app";
import { api, deploy, workerSource } from "../helpers";
import { Receivers } from "../notifications/receiver";
import { slash, TEAM } from "./slack-client";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** D1 whose reads of deployments take `ms` longer: storage slow enough that Slack's 3 s would pass. */
function slowDeploymentReads(db: D1Database, ms: number): D1Database {
	const statement = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement =>
		new Proxy(stmt, {
			get(target, prop) {
				if (prop === "bind") return (...args: unknown[]) => statement(target.bind(...args), sql);
				if (prop === "all" && sql.includes("FROM deployments")) {
					return async () => {
						await sleep(ms);
						return target.all();
					};
				}
				const value = Reflect.get(target, prop);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
	return new Proxy(db, {
		get(target, prop) {
			if (prop === "prepare") return (sql: string) => statement(target.prepare(sql), sql);
			const value = Reflect.get(target, prop);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

let receivers: Receivers;

beforeAll(async () => {
	receivers = new Receivers();
	const res = await api("/v1/chatops/slack/users", {
		method: "POST",
		body: JSON.stringify({ team_id: TEAM, user_id: "U0SLOW", principal: "slow@example.com", scopes: ["read"] }),
	});
	expect(res.status).toBe(201);
	await deploy("chat-slow", { modules: [{ name: "index.js", body: workerSource("one") }] });
});

describe("Slack's 3-second limit", () => {
	it("a slow answer is acknowledged in time and delivered to the response_url afterwards", async () => {
		const app = testApp({ vars: { DB: slowDeploymentReads(env.DB, ANSWER_WITHIN_MS + 500) } });
		const response_url = "https://hooks.slack.com/commands/T0SHIPLOG/99/slow";
		const { status, message } = await slash("deployments chat-slow", { user: "U0SLOW", response_url, app });
		expect(status).toBe(200);
		expect(message).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("Working on it") });
		// testApp waits for the request's waitUntil work, which posts the real answer.
		const posts = receivers.received.filter((r) => r.url === response_url).map((r) => JSON.parse(r.body));
		expect(posts).toHaveLength(1);
		expect(JSON.stringify(posts[0])).toContain("Deployments of chat-slow");
	});

	it("a fast answer comes inline, with nothing posted later", async () => {
		const response_url = "https://hooks.slack.com/commands/T0SHIPLOG/100/fast";
		const { message } = await slash("deployments chat-slow", { user: "U0SLOW", response_url });
		expect(JSON.stringify(message)).toContain("Deployments of chat-slow");
		expect(receivers.received.filter((r) => r.url === response_url)).toEqual([]);
	});
});

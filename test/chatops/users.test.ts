import { describe, expect, it } from "vitest";
import { api, deploy, json, workerSource } from "../helpers";
import { slash, TEAM } from "./slack-client";

const users = (body: unknown, token?: string) =>
	api("/v1/chatops/slack/users", { method: "POST", body: JSON.stringify(body), token });

async function token(principal: string, scopes: string[]): Promise<string> {
	const res = await api("/v1/tokens", { method: "POST", body: JSON.stringify({ principal, scopes }) });
	expect(res.status).toBe(201);
	return (await json(res)).token;
}

const text = (message: unknown) => JSON.stringify(message);

describe("Slack user mappings (admin)", () => {
	it("are created, listed and deleted; a deleted mapping stops working at once", async () => {
		await deploy("map-a", { modules: [{ name: "index.js", body: workerSource("a") }] });
		const created = await users({
			team_id: TEAM,
			user_id: "U0MAPPED",
			principal: "carol@example.com",
			scopes: ["read"],
		});
		expect(created.status).toBe(201);
		const record = await json(created);
		expect(record).toMatchObject({
			principal: "carol@example.com",
			email: "carol@example.com",
			scopes: ["read"],
			via: "admin",
		});
		expect(text((await slash("status map-a", { user: "U0MAPPED" })).message)).toContain("*Active:*");

		const again = await users({
			team_id: TEAM,
			user_id: "U0MAPPED",
			principal: "mallory@example.com",
			scopes: ["admin"],
		});
		expect(again.status).toBe(409);

		const list = await json(await api(`/v1/chatops/slack/users?team_id=${TEAM}`));
		expect(list.items.map((i: { user_id: string }) => i.user_id)).toContain("U0MAPPED");

		const removed = await api(`/v1/chatops/slack/users/${record.id}`, { method: "DELETE" });
		expect(removed.status).toBe(200);
		expect(text((await slash("status map-a", { user: "U0MAPPED" })).message)).toContain("not linked to shiplog");
		expect((await api(`/v1/chatops/slack/users/${record.id}`, { method: "DELETE" })).status).toBe(404);

		const log = (await json(await api("/v1/audit-log?action=chatops.user.create&outcome=success"))).items;
		expect(log[0]).toMatchObject({ actor: { principal: "admin" }, target: { type: "slack_user", id: record.id } });
	});

	it("refuse ids that are not Slack's, unknown scopes, shiplog's own names, and non-admins", async () => {
		const bad = await users({ team_id: "team1", user_id: "alice", principal: "x", scopes: ["read"] });
		expect(bad.status).toBe(400);
		const text400 = await bad.text();
		expect(text400).toContain("team_id");
		expect(text400).toContain("user_id");
		expect((await users({ team_id: TEAM, user_id: "U0X", principal: "x", scopes: ["root"] })).status).toBe(400);
		expect((await users({ team_id: TEAM, user_id: "U0X", principal: "shiplog", scopes: ["read"] })).status).toBe(400);
		const deployer = await token("dan@example.com", ["deploy"]);
		expect((await users({ team_id: TEAM, user_id: "U0X", principal: "x", scopes: ["read"] }, deployer)).status).toBe(
			403,
		);
		expect((await api("/v1/chatops/slack/users", { token: deployer })).status).toBe(403);
	});
});

describe("self-service linking with a one-time code", () => {
	it("maps the Slack user who types the code to the token's principal, once", async () => {
		await deploy("link-a", { modules: [{ name: "index.js", body: workerSource("a") }] });
		const bob = await token("bob@example.com", ["rollback:link-*"]);
		const res = await api("/v1/chatops/slack/link-codes", { method: "POST", body: "{}", token: bob });
		expect(res.status).toBe(201);
		const { code, scopes } = await json(res);
		expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
		expect(scopes).toEqual(["rollback:link-*"]);

		const linked = await slash(`link ${code.toLowerCase()}`, { user: "U0BOB" });
		expect(text(linked.message)).toContain("you act in shiplog as *bob@example.com*");
		expect(text((await slash("whoami", { user: "U0BOB" })).message)).toContain("rollback:link-*");
		expect(text((await slash("status link-a", { user: "U0BOB" })).message)).toContain("*Active:*");

		const reused = await slash(`link ${code}`, { user: "U0EVE" });
		expect(text(reused.message)).toContain("unknown, already used or expired");
		expect(text((await slash("list", { user: "U0EVE" })).message)).toContain("not linked");

		const log = (await json(await api("/v1/audit-log?action=chatops.user.link"))).items;
		expect(log[0]).toMatchObject({
			actor: { principal: "bob@example.com", kind: "slack", source: "chatops", token_prefix: `slack:${TEAM}/U0BOB` },
		});
	});

	it("a code carries at most the token's own scopes, and never the admin token's", async () => {
		const reader = await token("ron@example.com", ["read"]);
		const wider = await api("/v1/chatops/slack/link-codes", {
			method: "POST",
			body: JSON.stringify({ scopes: ["deploy"] }),
			token: reader,
		});
		expect(wider.status).toBe(403);
		const narrower = await token("nina@example.com", ["deploy:web-*"]);
		const ok = await api("/v1/chatops/slack/link-codes", {
			method: "POST",
			body: JSON.stringify({ scopes: ["read:web-a"] }),
			token: narrower,
		});
		expect(ok.status).toBe(201);
		expect((await api("/v1/chatops/slack/link-codes", { method: "POST", body: "{}" })).status).toBe(400);
	});

	it("a made-up code links nobody", async () => {
		const { message } = await slash("link AAAA-BBBB-CCCC", { user: "U0GUESS" });
		expect(text(message)).toContain("unknown, already used or expired");
	});
});

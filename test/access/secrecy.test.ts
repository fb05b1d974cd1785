import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, json, uploadForm } from "../helpers";

/**
 * A token, a webhook signing secret and a Slack webhook URL are readable once, in the answer that creates
 * them, and nowhere after: not in any later response, log line, D1 row or audit entry.
 */

const seen: { what: string; text: string }[] = [];
const logged: string[] = [];
const SLACK_SECRET = "XyZsEcReTpAtH0123456789";
const SECRET_VALUE = "value-of-a-managed-secret-42";
let token = "";
let signingSecret = "";

/** Every call after the creating ones goes through here: status, headers and body are kept for the scan. */
async function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
	const res = await api(path, init);
	const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
	seen.push({ what: `${init.method ?? "GET"} ${path} ${res.status}`, text: `${headers}\n${await res.clone().text()}` });
	return res;
}

/** The parts of a secret worth looking for: the whole, and what follows its public prefix. */
const needles = () => [
	token,
	token.slice(8),
	token.slice(8, 24),
	signingSecret,
	signingSecret.slice(6),
	signingSecret.slice(6, 22),
	SLACK_SECRET,
	SECRET_VALUE,
];

beforeAll(async () => {
	for (const level of ["log", "info", "warn", "error", "debug"] as const) {
		vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
			logged.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
		});
	}
	const created = await api("/v1/tokens", {
		method: "POST",
		body: JSON.stringify({ principal: "secretive@example.com", scopes: ["deploy:vault", "secrets:vault"] }),
	});
	const body = await json(created);
	token = body.token;
	const hook = await json(
		await api("/v1/webhooks", {
			method: "POST",
			body: JSON.stringify({ url: "https://receiver.test/hooks", events: ["finding.closed"] }),
		}),
	);
	signingSecret = hook.secret;
	await api("/v1/webhooks", {
		method: "POST",
		body: JSON.stringify({
			url: `https://hooks.slack.com/services/T000/B000/${SLACK_SECRET}`,
			events: ["finding.closed"],
		}),
	});
	expect(token).toMatch(/^shl_/);
	expect(signingSecret).toMatch(/^whsec_/);

	// A session that uses the token for changes, reads and refusals, on both surfaces, then revokes it.
	await call("/v1/workers/vault", { method: "PUT", token, body: uploadForm() });
	await call("/v1/workers/vault/secrets/KEY", { method: "PUT", token, body: JSON.stringify({ value: SECRET_VALUE }) });
	await call("/v1/workers/vault/versions", { token });
	await call("/v1/workers/elsewhere", { method: "PUT", token, body: uploadForm() });
	await call("/v1/tokens/self", { token });
	await call(`/client/v4/accounts/${env.SHIPLOG_ACCOUNT_ID}/workers/scripts/vault/deployments`, { token });
	await call(`/client/v4/accounts/${env.SHIPLOG_ACCOUNT_ID}/workers/scripts/other/settings`, { token });
	const { items } = await json(await call("/v1/tokens"));
	await call(`/v1/tokens/${items[0].id}`, { method: "DELETE" });
	await call("/v1/workers/vault", { token });
	await call("/v1/webhooks");
	await call("/v1/audit-log?limit=200");
	await call("/v1/tokens?include_revoked=true");
});

afterAll(() => {
	vi.restoreAllMocks();
});

describe("secrets are shown once", () => {
	it("no later response carries them", () => {
		expect(seen.length).toBeGreaterThan(10);
		for (const { what, text } of seen) {
			for (const needle of needles())
				expect(text.includes(needle), `${what} holds ${needle.slice(0, 10)}…`).toBe(false);
		}
	});

	it("no log line carries them", () => {
		for (const line of logged) {
			for (const needle of needles()) expect(line.includes(needle), line.slice(0, 200)).toBe(false);
		}
	});

	it("no D1 row, in any table, carries them", async () => {
		const { results: tables } = await env.DB.prepare(
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
		).all<{ name: string }>();
		const names = tables.map((t) => t.name);
		expect(names).toEqual(expect.arrayContaining(["api_tokens", "audit_log", "webhooks", "events", "secret_values"]));
		let rows = 0;
		for (const name of names) {
			const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
			rows += results.length;
			const text = JSON.stringify(results);
			for (const needle of needles())
				expect(text.includes(needle), `${name} holds ${needle.slice(0, 10)}…`).toBe(false);
		}
		expect(rows).toBeGreaterThan(20);
	});

	it("the audit log has the session, by token prefix and principal, without the token", async () => {
		const log = await json(await api("/v1/audit-log?principal=secretive@example.com&limit=200"));
		expect(log.items.length).toBeGreaterThanOrEqual(4);
		expect(
			log.items.every((e: { actor: { token_prefix: string } }) => e.actor.token_prefix === token.slice(0, 8)),
		).toBe(true);
	});
});

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { WorkerCoordinator } from "../../src/coordinator/worker-coordinator";
import { systemDeps } from "../../src/deps/deps";
import { ManualClock } from "../../src/deps/test-deps";
import { housekeeping } from "../../src/housekeeping";
import { coordinatorFor } from "../../src/services/coordinator";
import { testApp } from "../fixtures/app";
import { createToken } from "../fixtures/tokens";
import { api, deploy, json, patchJson, uploadForm, workerSource } from "../helpers";

interface Entry {
	id: string;
	at: string;
	actor: { principal: string | null; kind: string | null; token_prefix: string | null; source: string };
	action: string;
	outcome: string;
	status: number | null;
	worker: string | null;
	target: { version_id: string | null; deployment_id: string | null; type: string | null; id: string | null };
	reason: string | null;
	message: string | null;
	details: Record<string, unknown> | null;
	request_id: string | null;
}

async function auditLog(query = "", token?: string): Promise<Entry[]> {
	const items: Entry[] = [];
	let cursor: string | null = null;
	do {
		const sep = query ? "&" : "";
		const page: { items: Entry[]; next_cursor: string | null } = await json(
			await api(`/v1/audit-log?limit=200${sep}${query}${cursor ? `&cursor=${cursor}` : ""}`, { token }),
		);
		items.push(...page.items);
		cursor = page.next_cursor;
	} while (cursor);
	return items;
}

const SHOP = "audit-shop";
const v = (text: string) => ({ modules: [{ name: "index.js", body: workerSource(text) }] });

/** What a scripted session did, and what the log must say about each step. */
const expected: { what: string; match: Record<string, unknown> }[] = [];
const ids: Record<string, string> = {};

beforeAll(async () => {
	const ops = await createToken([`deploy:${SHOP}`, `secrets:${SHOP}`], "ops@example.com");
	const reader = await createToken(["read"], "reader@example.com");
	const oncall = await createToken([`rollback:${SHOP}`], "oncall@example.com");
	const revoked = await createToken(["read"], "gone@example.com");
	ids.ops_prefix = ops.prefix;
	ids.revoked_prefix = revoked.prefix;
	ids.revoked_id = revoked.id;

	// 401: no token; a revoked token (its prefix is recorded, not the token).
	expect((await api("/v1/workers", { token: null })).status).toBe(401);
	await api(`/v1/tokens/${revoked.id}`, { method: "DELETE" });
	expect((await api(`/v1/workers/${SHOP}`, { token: revoked.token })).status).toBe(401);

	// Changes by the ops pipeline.
	const first = await json(
		await api(`/v1/workers/${SHOP}`, { method: "PUT", token: ops.token, body: uploadForm(v("one")) }),
	);
	ids.v1 = first.version.id;
	ids.d1 = first.deployment.id;
	const second = await json(
		await api(`/v1/workers/${SHOP}/versions`, { method: "POST", token: ops.token, body: uploadForm(v("two")) }),
	);
	ids.v2 = second.version.id;
	expect(
		(await api(`/v1/workers/${SHOP}/settings`, { method: "PATCH", token: ops.token, body: '{"vars":{"A":"1"}}' }))
			.status,
	).toBe(201);
	expect(
		(await api(`/v1/workers/${SHOP}/settings`, { method: "PATCH", token: ops.token, body: '{"vars":{"A":"1"}}' }))
			.status,
	).toBe(200);
	expect(
		(await api(`/v1/workers/${SHOP}/secrets/KEY`, { method: "PUT", token: ops.token, body: '{"value":"hunter2"}' }))
			.status,
	).toBe(201);

	// 403: the reader tries to deploy.
	expect((await api(`/v1/workers/${SHOP}`, { method: "PUT", token: reader.token, body: uploadForm() })).status).toBe(
		403,
	);
	// 422: a rollback across the secret change without force.
	const refused = await api(`/v1/workers/${SHOP}/rollback`, {
		method: "POST",
		token: oncall.token,
		body: JSON.stringify({ version_id: ids.v1 }),
	});
	expect(refused.status).toBe(422);
	// 412: If-Match that no longer holds.
	expect(
		(
			await api(`/v1/workers/${SHOP}/rollback`, {
				method: "POST",
				token: oncall.token,
				headers: { "if-match": `"${ids.d1}"` },
				body: JSON.stringify({ version_id: ids.v1, force: true }),
			})
		).status,
	).toBe(412);
	// 428: If-Match required and missing.
	const strict = testApp({ vars: { SHIPLOG_REQUIRE_IF_MATCH: "true" } });
	expect((await strict(`/v1/workers/${SHOP}/settings`, { method: "PATCH", body: '{"vars":{"A":"2"}}' })).status).toBe(
		428,
	);
	// The on-call person rolls back, forced; a retry with the same key is replayed; a different body under it is a 422.
	const key = { "idempotency-key": "incident-7" };
	const rollback = async (body: unknown) =>
		api(`/v1/workers/${SHOP}/rollback`, {
			method: "POST",
			token: oncall.token,
			headers: key,
			body: JSON.stringify(body),
		});
	const done = await rollback({ version_id: ids.v1, force: true });
	expect(done.status).toBe(201);
	ids.rollback = (await json(done)).deployment.id;
	expect((await rollback({ version_id: ids.v1, force: true })).status).toBe(201);
	expect((await rollback({ version_id: ids.v1, force: false })).status).toBe(422);
	// 409: a key whose first request is still running.
	const stub = coordinatorFor(env, SHOP);
	let release = () => {};
	const held = new Promise<void>((resolve) => {
		release = resolve;
	});
	await runInDurableObject(stub, (instance: WorkerCoordinator) => {
		(instance as unknown as { queue: { tail: Promise<unknown> } }).queue.tail = held;
	});
	const busy = () =>
		api(`/v1/workers/${SHOP}/settings`, {
			method: "PATCH",
			token: ops.token,
			headers: { "idempotency-key": "busy" },
			body: '{"vars":{"B":"1"}}',
		});
	const slow = busy();
	await new Promise((r) => setTimeout(r, 50));
	expect((await busy()).status).toBe(409);
	release();
	expect((await slow).status).toBe(201);
	// Through wrangler's surface: a refused deploy and a secret put.
	const cf = (path: string, init: RequestInit & { token?: string }) =>
		api(`/client/v4/accounts/${env.SHIPLOG_ACCOUNT_ID}/workers/scripts/${SHOP}${path}`, {
			...init,
			headers: { "user-agent": "wrangler/4.164.0", ...init.headers },
		});
	expect((await cf("", { method: "PUT", token: reader.token, body: uploadForm() })).status).toBe(403);
	// Account-level changes.
	await patchJson("/v1/resources", { type: "kv_namespace", id: "audit-ns" }, "POST");
	await api("/v1/resources/kv_namespace/audit-ns", { method: "DELETE" });
	await patchJson("/v1/webhooks", { url: "https://example.com/hook", events: ["finding.opened"] }, "POST");

	expected.push(
		{
			what: "no token",
			match: { action: "authenticate", outcome: "unauthenticated", status: 401, reason: "token_missing" },
		},
		{
			what: "revoked token",
			match: {
				action: "authenticate",
				outcome: "unauthenticated",
				reason: "token_revoked",
				actor: { principal: null, kind: null, token_prefix: ids.revoked_prefix, source: "api" },
			},
		},
		{
			what: "token.create",
			match: { action: "token.create", outcome: "success", target: expect.objectContaining({ type: "token" }) },
		},
		{
			what: "token.revoke",
			match: { action: "token.revoke", outcome: "success", target: expect.objectContaining({ id: ids.revoked_id }) },
		},
		{
			what: "deploy",
			match: {
				action: "worker.deploy",
				outcome: "success",
				worker: SHOP,
				actor: { principal: "ops@example.com", kind: "token", token_prefix: ids.ops_prefix, source: "api" },
				target: { version_id: ids.v1, deployment_id: ids.d1, type: null, id: null },
			},
		},
		{
			what: "upload",
			match: {
				action: "version.upload",
				outcome: "success",
				worker: SHOP,
				target: expect.objectContaining({ version_id: ids.v2, deployment_id: null }),
			},
		},
		{ what: "settings", match: { action: "worker.settings", outcome: "success", worker: SHOP } },
		{ what: "settings no-op", match: { action: "worker.settings", outcome: "unchanged", worker: SHOP } },
		{ what: "secret put", match: { action: "secret.put", outcome: "success", worker: SHOP } },
		{
			what: "403",
			match: {
				action: "worker.deploy",
				outcome: "denied",
				status: 403,
				reason: "scope_missing",
				actor: expect.objectContaining({ principal: "reader@example.com" }),
			},
		},
		{
			what: "422 refused rollback",
			match: {
				action: "worker.rollback",
				outcome: "refused",
				status: 422,
				reason: "rollback_refused",
				actor: expect.objectContaining({ principal: "oncall@example.com" }),
			},
		},
		{ what: "412", match: { action: "worker.rollback", outcome: "refused", status: 412 } },
		{
			what: "428",
			match: {
				action: "worker.settings",
				outcome: "refused",
				status: 428,
				actor: expect.objectContaining({ principal: "admin", kind: "admin" }),
			},
		},
		{
			what: "rollback",
			match: {
				action: "worker.rollback",
				outcome: "success",
				target: expect.objectContaining({ deployment_id: ids.rollback }),
			},
		},
		{ what: "replay", match: { action: "worker.rollback", outcome: "replayed" } },
		{
			what: "key reused",
			match: {
				action: "worker.rollback",
				outcome: "refused",
				status: 422,
				details: expect.objectContaining({ code: "idempotency_key_reused" }),
			},
		},
		{ what: "409", match: { action: "worker.settings", outcome: "refused", status: 409 } },
		{
			what: "wrangler 403",
			match: {
				action: "worker.deploy",
				outcome: "denied",
				status: 403,
				actor: expect.objectContaining({ source: "wrangler" }),
				details: expect.objectContaining({ code: "forbidden" }),
			},
		},
		{
			what: "resource register",
			match: {
				action: "resource.register",
				outcome: "success",
				target: expect.objectContaining({ type: "resource", id: "kv_namespace:audit-ns" }),
			},
		},
		{ what: "resource delete", match: { action: "resource.delete", outcome: "success" } },
		{
			what: "webhook create",
			match: { action: "webhook.create", outcome: "success", target: expect.objectContaining({ type: "webhook" }) },
		},
	);
});

describe("the audit log of a scripted session", () => {
	it("holds each change and each refusal, newest first, with who, through what, and the request id", async () => {
		const entries = await auditLog();
		for (const { what, match } of expected) {
			expect(entries, what).toContainEqual(expect.objectContaining(match));
		}
		const times = entries.map((e) => e.at);
		expect([...times].sort().reverse()).toEqual(times);
		for (const entry of entries) expect(entry.request_id, entry.action).toBeTruthy();
	});

	it("refusals record the message the caller got, and never the secret value that was set", async () => {
		const entries = await auditLog(`worker=${SHOP}`);
		expect(JSON.stringify(entries)).not.toContain("hunter2");
		const refused = entries.find((e) => e.status === 422 && e.reason === "rollback_refused");
		expect(refused?.message).toContain("secret");
	});

	it("filters by Worker, principal, action, outcome and time, and pages by cursor without gaps or repeats", async () => {
		const all = await auditLog();
		expect((await auditLog(`worker=${SHOP}`)).every((e) => e.worker === SHOP)).toBe(true);
		const byOps = await auditLog("principal=ops@example.com");
		expect(byOps.length).toBeGreaterThan(3);
		expect(byOps.every((e) => e.actor.principal === "ops@example.com")).toBe(true);
		expect((await auditLog("action=worker.rollback&outcome=refused")).length).toBe(3);
		const middle = all[Math.floor(all.length / 2)] as Entry;
		const since = await auditLog(`since=${encodeURIComponent(middle.at)}`);
		expect(since.every((e) => e.at >= middle.at)).toBe(true);
		const until = await auditLog(`until=${encodeURIComponent(middle.at)}`);
		expect(until.every((e) => e.at < middle.at)).toBe(true);

		const paged: Entry[] = [];
		let cursor: string | null = null;
		do {
			const page: { items: Entry[]; next_cursor: string | null } = await json(
				await api(`/v1/audit-log?limit=3${cursor ? `&cursor=${cursor}` : ""}`),
			);
			expect(page.items.length).toBeLessThanOrEqual(3);
			paged.push(...page.items);
			cursor = page.next_cursor;
		} while (cursor);
		expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
		expect((await api("/v1/audit-log?cursor=nonsense")).status).toBe(400);
		expect((await api("/v1/audit-log?outcome=maybe")).status).toBe(400);
	});

	it("is scoped like the rest: a token sees the entries of what it may read", async () => {
		const other = await createToken(["read:elsewhere"], "elsewhere@example.com");
		await deploy("elsewhere");
		const seen = await auditLog("", other.token);
		expect(seen.length).toBeGreaterThan(0);
		expect(seen.every((e) => e.worker === "elsewhere")).toBe(true);
		expect((await api(`/v1/audit-log?worker=${SHOP}`, { token: other.token })).status).toBe(403);
		const resources = await auditLog("", (await createToken(["resources"], "infra")).token);
		expect(resources.map((e) => e.action).sort()).toEqual(["resource.delete", "resource.register"]);
	});

	it("is append-only: rows cannot be updated", async () => {
		await expect(env.DB.prepare("UPDATE audit_log SET outcome = 'success'").run()).rejects.toThrow(/append-only/);
	});

	it("keeps entries for the configured retention; the cron deletes older ones", async () => {
		const old = new ManualClock("2025-01-01T00:00:00.000Z");
		const call = testApp({ deps: { clock: old, ids: systemDeps.ids } });
		await call("/v1/resources", { method: "POST", body: JSON.stringify({ type: "queue", id: "ancient" }) });
		const before = await auditLog("action=resource.register");
		expect(before.some((e) => e.at.startsWith("2025-01-01"))).toBe(true);
		const now = { clock: new ManualClock("2026-12-01T00:00:00.000Z"), ids: systemDeps.ids };
		const result = await housekeeping({ ...env, SHIPLOG_AUDIT_LOG_RETENTION_DAYS: "365" }, now);
		expect(result.audit_log_purged).toBeGreaterThanOrEqual(1);
		const after = await auditLog("action=resource.register");
		expect(after.some((e) => e.at.startsWith("2025-01-01"))).toBe(false);
		expect(after.length).toBe(before.length - 1);
	});
});

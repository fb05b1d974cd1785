import { env } from "cloudflare:workers";
import { OpenAPIHono } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { accessControl } from "../../src/auth/access-control";
import { LAST_USED_INTERVAL_MS } from "../../src/auth/authenticate";
import { systemDeps } from "../../src/deps/deps";
import { testDeps } from "../../src/deps/test-deps";
import type { AppEnv } from "../../src/http/app-env";
import { provideDeps } from "../../src/http/deps";
import { onError } from "../../src/http/errors";
import { requestId } from "../../src/http/request-id";
import { testApp } from "../fixtures/app";
import { createToken } from "../fixtures/tokens";
import { api, deploy, json, uploadForm, uploadVersion } from "../helpers";

/** The real D1, with every statement's SQL noted. */
function countingDb() {
	const queries: string[] = [];
	const db = new Proxy(env.DB, {
		get(target, key) {
			if (key === "prepare") {
				return (sql: string) => {
					queries.push(sql);
					return target.prepare(sql);
				};
			}
			const value = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { db, queries };
}

/** A test clock with real ids: ids that count up would collide with other apps' rows in this file's D1. */
const clockAt = (start: string) => ({ ...testDeps(start), ids: systemDeps.ids });

describe("POST /v1/tokens", () => {
	it("shows the token once; the list shows its prefix, principal and scopes, never the token", async () => {
		const res = await api("/v1/tokens", {
			method: "POST",
			body: JSON.stringify({
				principal: "alice@example.com",
				scopes: ["read", "deploy:shop-*"],
				description: "laptop",
			}),
		});
		expect(res.status).toBe(201);
		expect(res.headers.get("cache-control")).toBe("no-store");
		const created = await json(res);
		expect(created).toMatchObject({
			principal: "alice@example.com",
			email: "alice@example.com",
			scopes: ["read", "deploy:shop-*"],
			status: "active",
			created_by: "admin",
			expires_on: null,
			description: "laptop",
		});
		expect(created.token).toMatch(/^shl_[0-9A-Za-z]{36}$/);
		expect(created.prefix).toBe(created.token.slice(0, 8));

		const listed = await json(await api("/v1/tokens"));
		const mine = listed.items.find((t: { id: string }) => t.id === created.id);
		expect(mine).toMatchObject({ prefix: created.prefix, principal: "alice@example.com", status: "active" });
		expect(JSON.stringify(listed)).not.toContain(created.token.slice(8));
		expect(mine).not.toHaveProperty("token");
	});

	it("a pipeline's name gets a shiplog.local email; the caller learns who it is from /v1/tokens/self", async () => {
		const { token, id } = await createToken(["rollback:shop-*"], "ci-shop");
		const self = await json(await api("/v1/tokens/self", { token }));
		expect(self.principal).toEqual({ id: "ci-shop", email: "ci-shop@shiplog.local", kind: "token" });
		expect(self.scopes).toEqual(["rollback:shop-*"]);
		expect(self.token).toMatchObject({ id, principal: "ci-shop" });
		const admin = await json(await api("/v1/tokens/self"));
		expect(admin).toMatchObject({ principal: { id: "admin", kind: "admin" }, scopes: ["admin"], token: null });
	});

	it.each([
		[{ principal: "bob", scopes: ["write"] }, "scopes[0]"],
		[{ principal: "bob", scopes: ["admin:shop"] }, "account-wide"],
		[{ principal: "bob", scopes: [] }, "scopes"],
		[{ principal: "admin", scopes: ["read"] }, "shiplog uses for itself"],
		[{ principal: "shiplog", scopes: ["read"] }, "shiplog uses for itself"],
		[{ principal: "has space", scopes: ["read"] }, "principal"],
		[{ principal: "bob", scopes: ["read"], expires_on: "2000-01-01T00:00:00Z" }, "in the future"],
		[{ principal: "bob", scopes: ["read"], expires_on: "soon" }, "ISO 8601"],
		[{ principal: "bob", scopes: ["read"], expires_on: "2999-01-01T00:00:00Z" }, "two years"],
		[{ principal: "bob", scopes: ["read"], expires_on: "2099-01-01T00:00:00Z", expires_in_seconds: 600 }, "not both"],
	])("refuses %j with a 400 that says what to change, and stores nothing", async (body, says) => {
		const before = await env.DB.prepare("SELECT count(*) AS n FROM api_tokens").first<{ n: number }>();
		const res = await api("/v1/tokens", { method: "POST", body: JSON.stringify(body) });
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain(says);
		const after = await env.DB.prepare("SELECT count(*) AS n FROM api_tokens").first<{ n: number }>();
		expect(after?.n).toBe(before?.n);
	});
});

describe("revocation and expiry take effect at once", () => {
	it("a revoked token is refused by the very next request, also by an app instance that already served it", async () => {
		// Two app instances stand in for two isolates: nothing either holds may outlive a revocation.
		const first = testApp();
		const second = testApp();
		const { token, id, prefix } = await createToken(["read"], "revokee");
		expect((await first("/v1/workers", { token })).status).toBe(200);
		expect((await second("/v1/workers", { token })).status).toBe(200);

		const revoked = await second(`/v1/tokens/${id}`, { method: "DELETE" });
		expect(revoked.status).toBe(200);
		expect(await json(revoked)).toMatchObject({ id, status: "revoked", revoked_by: "admin" });

		for (const call of [first, second]) {
			const res = await call("/v1/workers", { token });
			expect(res.status).toBe(401);
			expect((await json(res)).error).toMatchObject({ code: "unauthorized", details: { reason: "token_revoked" } });
			expect((await json(await call("/v1/workers", { token }))).error.message).toContain(prefix);
		}
		// Revoking again changes nothing; an unknown id is a 404.
		expect((await api(`/v1/tokens/${id}`, { method: "DELETE" })).status).toBe(200);
		expect((await api("/v1/tokens/00000000-0000-4000-8000-0000000000ff", { method: "DELETE" })).status).toBe(404);
	});

	it("an expiring token works until its expiry and is refused from that instant", async () => {
		const deps = clockAt("2026-12-01T00:00:00.000Z");
		const call = testApp({ deps });
		const { token, expires_on } = await createToken(["read"], "expiring", { expires_in_seconds: 3600 }, call);
		expect(expires_on).toBe("2026-12-01T01:00:00.000Z");
		deps.clock.advance(3600_000 - 1);
		expect((await call("/v1/workers", { token })).status).toBe(200);
		deps.clock.advance(1);
		const res = await call("/v1/workers", { token });
		expect(res.status).toBe(401);
		expect((await json(res)).error.details.reason).toBe("token_expired");
		const listed = await json(await call("/v1/tokens?include_revoked=true"));
		expect(listed.items.find((t: { expires_on: string }) => t.expires_on === expires_on).status).toBe("expired");
	});

	it("last_used_on is written at most once a minute, not on every request", async () => {
		const deps = clockAt("2026-12-02T00:00:00.000Z");
		const { db, queries } = countingDb();
		const call = testApp({ deps, vars: { DB: db } });
		const { token, id } = await createToken(["read"], "frequent", {}, call);
		const lastUsed = async () =>
			(
				await env.DB.prepare("SELECT last_used_on FROM api_tokens WHERE id = ?1")
					.bind(id)
					.first<{ last_used_on: string }>()
			)?.last_used_on;
		expect(await lastUsed()).toBeNull();
		await call("/v1/workers", { token });
		expect(await lastUsed()).toBe("2026-12-02T00:00:00.000Z");
		for (let i = 0; i < 5; i++) {
			deps.clock.advance(10_000);
			await call("/v1/workers", { token });
		}
		expect(await lastUsed()).toBe("2026-12-02T00:00:00.000Z");
		expect(queries.filter((q) => q.startsWith("UPDATE api_tokens SET last_used_on"))).toHaveLength(1);
		deps.clock.advance(LAST_USED_INTERVAL_MS - 50_000);
		await call("/v1/workers", { token });
		expect(await lastUsed()).toBe("2026-12-02T00:01:00.000Z");
	});

	it("a token with a bad checksum is refused without a storage lookup", async () => {
		const { db, queries } = countingDb();
		const call = testApp({ vars: { DB: db } });
		const real = (await createToken(["read"], "checksum")).token;
		const typo = `${real.slice(0, 10)}${real[10] === "a" ? "b" : "a"}${real.slice(11)}`;
		expect((await call("/v1/workers", { token: typo })).status).toBe(401);
		expect(queries.filter((q) => q.includes("api_tokens"))).toEqual([]);
		expect((await call("/v1/workers", { token: real })).status).toBe(200);
		expect(queries.filter((q) => q.includes("api_tokens")).length).toBeGreaterThan(0);
	});
});

describe("what a token may do, and what its changes record", () => {
	it("versions and deployments record the token's principal as their author", async () => {
		const { token } = await createToken(["deploy:authored"], "carol@example.com");
		const res = await api("/v1/workers/authored", { method: "PUT", body: uploadForm(), token });
		expect(res.status).toBe(201);
		const { version, deployment } = await json(res);
		expect(version.author).toEqual({ id: "carol@example.com", email: "carol@example.com" });
		expect(deployment.author).toEqual({ id: "carol@example.com", email: "carol@example.com" });
	});

	it("resources record who registered and who deleted them", async () => {
		const { token } = await createToken(["resources"], "dave@example.com");
		const created = await api("/v1/resources", {
			method: "POST",
			token,
			body: JSON.stringify({ type: "kv_namespace", id: "authored-ns" }),
		});
		expect(created.status).toBe(201);
		expect((await json(created)).author).toEqual({ id: "dave@example.com", email: "dave@example.com" });
		const deleted = await json(await api("/v1/resources/kv_namespace/authored-ns", { method: "DELETE" }));
		expect(deleted.deleted_by).toEqual({ id: "admin", email: "admin@shiplog.local" });
		// First use by a version records that version's author.
		await api("/v1/workers/binds-bucket", {
			method: "PUT",
			token: (await createToken(["deploy"], "erin@example.com")).token,
			body: uploadForm({ metadata: { bindings: [{ name: "B", type: "r2_bucket", bucket_name: "authored-bucket" }] } }),
		});
		const listed = await json(await api("/v1/resources?type=r2_bucket"));
		expect(listed.items.find((r: { id: string }) => r.id === "authored-bucket").author).toEqual({
			id: "erin@example.com",
			email: "erin@example.com",
		});
	});

	it("rollback without deploy: a rollback goes through, any other deployment is a 403 naming deploy", async () => {
		const first = await deploy("oncall");
		await deploy("oncall", {
			modules: [{ name: "index.js", body: "export default { fetch() { return new Response('2') } }" }],
		});
		const upload = await uploadVersion("oncall", {
			modules: [{ name: "index.js", body: "export default { fetch() { return new Response('3') } }" }],
		});
		const { token } = await createToken(["rollback:oncall"], "pager@example.com");
		const deployments = (versions: unknown) =>
			api("/v1/workers/oncall/deployments", { method: "POST", token, body: JSON.stringify({ versions }) });

		const forward = await deployments([{ version_id: upload.version.id, percentage: 100 }]);
		expect(forward.status).toBe(403);
		expect((await json(forward)).error).toMatchObject({
			code: "forbidden",
			details: { reason: "rollback_only", missing_scope: "deploy:oncall" },
		});
		const split = await deployments([
			{ version_id: upload.version.id, percentage: 10 },
			{ version_id: first.version.id, percentage: 90 },
		]);
		expect(split.status).toBe(403);

		const back = await deployments([{ version_id: first.version.id, percentage: 100 }]);
		expect(back.status).toBe(201);
		expect(await json(back)).toMatchObject({ triggered_by: "rollback", author: { id: "pager@example.com" } });
		expect((await api("/v1/workers/oncall/rollback", { method: "POST", token, body: "{}" })).status).toBe(201);
		expect((await api("/v1/workers/oncall", { method: "PUT", token, body: uploadForm() })).status).toBe(403);
	});

	it("an upload that carries a secret value needs the secrets scope as well as deploy", async () => {
		const { token } = await createToken(["deploy:secretive"], "ci");
		const withSecret = uploadForm({ metadata: { bindings: [{ name: "KEY", type: "secret_text", text: "s3cret" }] } });
		const res = await api("/v1/workers/secretive", { method: "PUT", token, body: withSecret });
		expect(res.status).toBe(403);
		expect((await json(res)).error.details.missing_scope).toBe("secrets:secretive");
		const both = (await createToken(["deploy:secretive", "secrets:secretive"], "ci")).token;
		const again = uploadForm({ metadata: { bindings: [{ name: "KEY", type: "secret_text", text: "s3cret" }] } });
		expect((await api("/v1/workers/secretive", { method: "PUT", token: both, body: again })).status).toBe(201);
	});
});

describe("access control fails closed", () => {
	it("a route that answers without a declared scope has its answer withheld", async () => {
		const app = new OpenAPIHono<AppEnv>();
		app.onError(onError);
		app.use("*", provideDeps(testDeps()));
		app.use("*", requestId);
		app.use("*", accessControl("api"));
		app.get("/undeclared", (c) => c.json({ secret: "data" }));
		const res = await app.request(
			"/undeclared",
			{ headers: { authorization: `Bearer ${env.SHIPLOG_ADMIN_TOKEN}` } },
			env,
		);
		expect(res.status).toBe(500);
		expect(await res.text()).not.toContain("data");
	});
});

import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SIGN_IN_FAILURES_PER_WINDOW } from "../../src/dashboard/pages/sign-in";
import { SESSION_IDLE_MS, SESSION_MAX_AGE_SECONDS } from "../../src/dashboard/session";
import { testDeps } from "../../src/deps/test-deps";
import { housekeeping } from "../../src/housekeeping";
import { csrfOf, dashboardClient } from "../fixtures/dashboard";
import { createToken } from "../fixtures/tokens";
import { api, deploy } from "../helpers";

describe("signing in", () => {
	it("a token that works opens a session: an HttpOnly, SameSite=Strict cookie scoped to /dashboard, stored only as a hash", async () => {
		const { token } = await createToken(["read"], "reader@example.com");
		const browser = dashboardClient({ client: "10.0.0.1" });
		const res = await browser.signIn(token);
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard");
		const cookie = res.headers.get("set-cookie") ?? "";
		expect(cookie).toMatch(/^shiplog_session=[A-Za-z0-9_-]{43};/);
		expect(cookie).toMatch(/Path=\/dashboard/);
		expect(cookie).toMatch(/HttpOnly/);
		expect(cookie).toMatch(/SameSite=Strict/);
		expect(cookie).toMatch(/Max-Age=28800/);
		// Over plain http (wrangler dev on loopback) a Secure cookie would not come back.
		expect(cookie).not.toMatch(/Secure/);
		const id = (browser.cookie ?? "").split("=")[1] ?? "";
		const rows = await env.DB.prepare("SELECT id_hash FROM dashboard_sessions").all<{ id_hash: string }>();
		expect(rows.results.some((r) => r.id_hash === id)).toBe(false);
		expect(rows.results.length).toBeGreaterThan(0);

		const page = await browser.get("/dashboard");
		expect(page.status).toBe(200);
		expect(await page.text()).toContain("Signed in as <strong>reader@example.com</strong>");
	});

	it("over https the cookie is Secure", async () => {
		const { token } = await createToken(["read"], "secure@example.com");
		const res = await dashboardClient({ base: "https://shiplog.test", client: "10.0.0.2" }).signIn(token);
		expect(res.headers.get("set-cookie")).toMatch(/; Secure/);
	});

	it("every failing token gets the same answer, whether made up, malformed, revoked or expired", async () => {
		const revoked = await createToken(["read"], "gone@example.com");
		expect((await api(`/v1/tokens/${revoked.id}`, { method: "DELETE" })).status).toBeLessThan(300);
		const expired = await createToken(["read"], "old@example.com", {
			expires_on: new Date(Date.now() + 1500).toISOString(),
		});
		await new Promise((r) => setTimeout(r, 1600));
		const bodies = new Set<string>();
		for (const attempt of ["nonsense", `shl_${"A".repeat(36)}`, revoked.token, expired.token, "x".repeat(600)]) {
			const res = await dashboardClient({ client: "10.0.0.3" }).signIn(attempt);
			expect(res.status).toBe(401);
			expect(res.headers.get("set-cookie")).toBeNull();
			const text = await res.text();
			bodies.add(text.match(/<p role="alert"[^>]*>([^<]*)</)?.[1] ?? "");
		}
		expect([...bodies]).toEqual([
			"That token did not work. Check that you pasted the whole token and that it has not expired or been revoked.",
		]);
	});

	it(`after ${SIGN_IN_FAILURES_PER_WINDOW} failures from one client, even the right token is not checked for a while`, async () => {
		const { token } = await createToken(["read"], "throttled@example.com");
		const browser = dashboardClient({ client: "10.9.9.9" });
		for (let i = 0; i < SIGN_IN_FAILURES_PER_WINDOW; i++) expect((await browser.signIn("wrong")).status).toBe(401);
		const refused = await browser.signIn(token);
		expect(refused.status).toBe(429);
		expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
		expect(refused.headers.get("set-cookie")).toBeNull();
		// Another client is not affected.
		expect((await dashboardClient({ client: "10.9.9.10" }).signIn(token)).status).toBe(303);
	});

	it("a sign-in form larger than any token is refused without being read whole", async () => {
		const res = await dashboardClient({ client: "10.0.0.4" }).post("/dashboard/sign-in", { token: "a".repeat(20_000) });
		expect(res.status).toBe(413);
	});

	it("pages need a session: without one, a redirect to the sign-in form", async () => {
		const res = await dashboardClient().get("/dashboard");
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/sign-in");
	});
});

describe("a session ends", () => {
	it("when its token is revoked, on the very next request", async () => {
		const created = await createToken(["read"], "revokee@example.com");
		const browser = dashboardClient({ client: "10.0.1.1" });
		await browser.signIn(created.token);
		expect((await browser.get("/dashboard")).status).toBe(200);
		await api(`/v1/tokens/${created.id}`, { method: "DELETE" });
		expect((await browser.get("/dashboard")).status).toBe(303);
	});

	it("after an hour without a request", async () => {
		const deps = testDeps(new Date());
		const { token } = await createToken(["read"], "idle@example.com");
		const browser = dashboardClient({ deps, client: "10.0.1.2" });
		await browser.signIn(token);
		deps.clock.advance(SESSION_IDLE_MS - 60_000);
		expect((await browser.get("/dashboard")).status).toBe(200);
		deps.clock.advance(SESSION_IDLE_MS + 1);
		expect((await browser.get("/dashboard")).status).toBe(303);
	});

	it("when its holder signs out: the old cookie no longer works", async () => {
		const { token } = await createToken(["read"], "leaver@example.com");
		const browser = dashboardClient({ client: "10.0.1.3" });
		await browser.signIn(token);
		const kept = browser.cookie;
		const csrf = csrfOf(await (await browser.get("/dashboard")).text());
		const out = await browser.post("/dashboard/sign-out", { csrf });
		expect(out.status).toBe(303);
		expect(out.headers.get("set-cookie")).toMatch(/^shiplog_session=;/);
		browser.cookie = kept;
		expect((await browser.get("/dashboard")).status).toBe(303);
	});
});

describe("expired sessions", () => {
	it("are deleted by the cron's housekeeping, even when nobody signs in again", async () => {
		const signedIn = new Date("2026-06-01T08:00:00Z");
		const deps = testDeps(signedIn);
		const { token } = await createToken(["read"], "left-open@example.com");
		await dashboardClient({ deps, client: "10.0.2.1" }).signIn(token);
		const rowsAt = async (at: string) =>
			(
				await env.DB.prepare("SELECT count(*) AS n FROM dashboard_sessions WHERE created_on = ?1")
					.bind(at)
					.first<{ n: number }>()
			)?.n;
		expect(await rowsAt(signedIn.toISOString())).toBe(1);

		const beforeExpiry = testDeps(new Date(signedIn.getTime() + SESSION_MAX_AGE_SECONDS * 1000 - 1000));
		await housekeeping(env, beforeExpiry);
		expect(await rowsAt(signedIn.toISOString())).toBe(1);

		const afterExpiry = testDeps(new Date(signedIn.getTime() + SESSION_MAX_AGE_SECONDS * 1000));
		const result = await housekeeping(env, afterExpiry);
		expect(result.dashboard_sessions_purged).toBeGreaterThanOrEqual(1);
		expect(await rowsAt(signedIn.toISOString())).toBe(0);
	});
});

describe("headers", () => {
	it("dashboard pages carry a strict CSP (no script at all) and may not be framed", async () => {
		const res = await dashboardClient().get("/dashboard/sign-in");
		const csp = res.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("default-src 'none'");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).not.toContain("script-src");
		expect(res.headers.get("x-frame-options")).toBe("DENY");
		expect(res.headers.get("cache-control")).toBe("no-store");
	});

	it("every /w/* answer runs sandboxed in an opaque origin: a Worker's page, and shiplog's own errors there", async () => {
		await deploy("sandboxed", {
			modules: [
				{
					name: "index.js",
					body: `export default { fetch() { return new Response("<p>hi</p>", { headers: { "content-type": "text/html", "content-security-policy": "img-src 'self'" } }); } };`,
				},
			],
		});
		const page = await api("/w/sandboxed/", { token: null });
		expect(await page.text()).toBe("<p>hi</p>");
		const csp = page.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("img-src 'self'");
		expect(csp).toMatch(/(^|, )sandbox allow-scripts/);
		expect(csp).not.toContain("allow-same-origin");
		const missing = await api("/w/no-such-worker/", { token: null });
		expect(missing.status).toBe(404);
		expect(missing.headers.get("content-security-policy")).toMatch(/^sandbox /);
		// On its own host (routing domain) a Worker already has an origin of its own.
		const hosted = await exports.default.fetch(new Request("http://sandboxed.workers.test/"));
		expect(await hosted.text()).toBe("<p>hi</p>");
		expect(hosted.headers.get("content-security-policy")).toBe("img-src 'self'");
	});
});

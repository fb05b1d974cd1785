import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, screenshot } from "./browser";
import { connectShiplog, type Shiplog, sleep } from "./harness";

/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against shiplog under
 * wrangler dev: what a person sees and does, read by roles and labels.
 */
const APP = "dash-e2e";
const D1_APP = "dash-d1-e2e";
const EVIL = "evil-e2e";

/** What a person would wait for: pages take a while under wrangler dev on a busy machine. */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

let shiplog: Shiplog;
let browser: Browser;
const tokens: Record<"oncall" | "viewer", string> = { oncall: "", viewer: "" };
const versions: Record<string, string> = {};

async function upload(
	name: string,
	text: string,
	options: { message?: string; bindings?: unknown[]; source?: string } = {},
) {
	const form = new FormData();
	const metadata = {
		main_module: "index.js",
		compatibility_date: "2026-11-01",
		bindings: options.bindings ?? [],
		annotations: options.message ? { "workers/message": options.message } : undefined,
	};
	form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
	const source = options.source ?? `export default { fetch() { return new Response(${JSON.stringify(text)}); } };\n`;
	form.append("index.js", new File([source], "index.js", { type: "application/javascript+module" }));
	const res = await fetch(`${shiplog.url}/v1/workers/${name}`, {
		method: "PUT",
		body: form,
		headers: { authorization: `Bearer ${shiplog.token}` },
	});
	expect(res.status, await res.clone().text()).toBe(201);
	return (await res.json()) as { version: { id: string }; deployment: { id: string } };
}

async function token(principal: string, scopes: string[]): Promise<string> {
	const { status, body } = await shiplog.native("/v1/tokens", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ principal, scopes }),
	});
	expect(status).toBe(201);
	return body.token;
}

const activeOf = async (name: string) => (await shiplog.native(`/v1/workers/${name}/deployments/active`)).body;

async function signIn(
	as: string,
	viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	await page.goto(`${shiplog.url}/dashboard`);
	await page.getByLabel("shiplog token").fill(as);
	await page.getByRole("button", { name: "Sign in" }).click();
	await eventually(() => page.getByRole("heading", { name: "Workers" }).isVisible()).toBe(true);
	return { context, page };
}

/**
 * A managed Worker's page whose script does what an attacker would: read the rollback form with whoever is
 * signed in, take its CSRF token and active deployment, and post a rollback with them.
 */
function evilSource(target: string): string {
	const page = `<!doctype html><html><head><title>Evil</title></head><body><h1>Evil</h1><pre id="out">waiting</pre><script>
(async () => {
  const results = { origin: self.origin };
  try {
    const form = await fetch("/dashboard/workers/${APP}/rollback", { credentials: "include" });
    const html = await form.text();
    results.read = "status " + form.status;
    const csrf = (html.match(/name="csrf" value="([^"]*)"/) || [])[1] || "";
    const active = (html.match(/name="active" value="([^"]*)"/) || [])[1] || "";
    const posted = await fetch("/dashboard/workers/${APP}/rollback", {
      method: "POST", credentials: "include",
      body: new URLSearchParams({ csrf, active, target: "${target}", message: "pwned" })
    });
    results.post = "status " + posted.status;
  } catch (e) { results.read = results.read || "failed: " + e.message; results.post = "failed: " + e.message; }
  document.getElementById("out").textContent = JSON.stringify(results);
})();
</script></body></html>`;
	return `const PAGE = ${JSON.stringify(page)};\nexport default { fetch() { return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } }); } };\n`;
}

beforeAll(async () => {
	shiplog = connectShiplog(inject("shiplog"));
	browser = await launchChromium();
	versions.one = (await upload(APP, "one", { message: "First release" })).version.id;
	versions.two = (await upload(APP, "two", { message: "Faster checkout" })).version.id;
	versions.three = (await upload(APP, "three", { message: "New totals (broken)" })).version.id;
	versions.d1 = (
		await upload(D1_APP, "d1 one", {
			message: "Reads orders from D1",
			bindings: [{ name: "DB", type: "d1", database_id: "dash-e2e-orders" }],
		})
	).version.id;
	await upload(D1_APP, "d1 two", { message: "Orders from the API" });
	await upload(EVIL, "", { source: evilSource(versions.one ?? "") });
	tokens.oncall = await token("oncall@example.com", [`deploy:${APP}`, `rollback:${D1_APP}`, "read"]);
	tokens.viewer = await token("viewer@example.com", ["read"]);
});

afterAll(async () => {
	await browser?.close();
});

describe("the dashboard in a browser", () => {
	it("signs in with a token, finds a Worker, opens a deployment and a diff", async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const page = await context.newPage();
		await page.goto(`${shiplog.url}/dashboard`);
		await eventually(() => page.getByRole("heading", { name: "Sign in to shiplog" }).isVisible()).toBe(true);
		await page.getByLabel("shiplog token").fill("shl_not-a-real-token");
		await page.getByRole("button", { name: "Sign in" }).click();
		await eventually(() => page.getByRole("alert").textContent()).toContain("That token did not work");
		await screenshot(page, "sign-in");

		await page.getByLabel("shiplog token").fill(tokens.oncall);
		await page.getByRole("button", { name: "Sign in" }).click();
		await eventually(() => page.getByText("Signed in as oncall@example.com").isVisible()).toBe(true);
		const cookies = await context.cookies();
		expect(cookies.find((c) => c.name === "shiplog_session")).toMatchObject({
			httpOnly: true,
			sameSite: "Strict",
			path: "/dashboard",
		});

		await page.getByLabel("Search Workers by name").fill("dash-e2e");
		await page.getByRole("button", { name: "Search" }).click();
		await eventually(() => page.getByRole("link", { name: APP, exact: true }).isVisible()).toBe(true);
		expect(await page.getByRole("link", { name: EVIL }).count()).toBe(0);
		await screenshot(page, "workers");

		// Some traffic, so the Worker's page has health figures to chart.
		for (let i = 0; i < 12; i++) await fetch(`${shiplog.url}/w/${APP}/`).then((r) => r.text());
		await sleep(1_000); // the edge sends its counts to the coordinator within 250 ms
		await page.getByRole("link", { name: APP, exact: true }).click();
		await eventually(() => page.getByRole("heading", { name: APP, level: 1 }).isVisible()).toBe(true);
		await eventually(() => page.getByRole("img", { name: /per version over the last/ }).count()).toBe(1);
		await screenshot(page, "worker");

		await page.getByRole("link", { name: "Deployment 3" }).first().click();
		await eventually(() => page.getByRole("heading", { name: `Deployment 3 of ${APP}` }).isVisible()).toBe(true);
		await eventually(() => page.getByText("New totals (broken)").isVisible()).toBe(true);
		await screenshot(page, "deployment");

		await page.getByRole("link", { name: `← ${APP}` }).click();
		await page.getByRole("link", { name: "Compare v2 with v3" }).click();
		await eventually(() => page.getByRole("heading", { name: `${APP}: v2 → v3` }).isVisible()).toBe(true);
		const changes = page.getByRole("table", { name: "Changes to index.js" });
		await expect
			.poll(() => changes.textContent())
			.toContain('+export default { fetch() { return new Response("three"); } };');
		await page.getByLabel("View").selectOption("split");
		await page.getByRole("button", { name: "Compare" }).click();
		await eventually(() => page.getByRole("columnheader", { name: "Before" }).isVisible()).toBe(true);
		await screenshot(page, "diff");

		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(`${shiplog.url}/dashboard/workers/${APP}`);
		await screenshot(page, "worker-phone");
		await context.close();
	});

	it("rolls back with a message and shows the new deployment at the top", async () => {
		const { context, page } = await signIn(tokens.oncall);
		await page.goto(`${shiplog.url}/dashboard/workers/${APP}`);
		await page.getByRole("link", { name: "Roll back…" }).click();
		await eventually(() => page.getByRole("heading", { name: `Roll back ${APP}` }).isVisible()).toBe(true);
		await eventually(() => page.getByText("bound data stays as it is").isVisible()).toBe(true);
		await page.getByLabel("v2 — Faster checkout").check();
		await page.getByLabel("Why are you rolling back?").fill("v3 totals are wrong");
		await screenshot(page, "rollback");
		await page.keyboard.press("Tab");
		await page.getByRole("button", { name: "Roll back" }).click();

		await eventually(() => page.getByRole("status").textContent()).toContain("Rolled back");
		const firstRow = page.getByRole("table").filter({ hasText: "Message" }).first().getByRole("row").nth(1);
		await eventually(() => firstRow.textContent()).toContain("v3 totals are wrong");
		expect(await firstRow.textContent()).toContain("rollback");
		expect(await firstRow.textContent()).toContain("active");
		const active = await activeOf(APP);
		expect(active.versions).toEqual([{ version_id: versions.two, percentage: 100 }]);
		expect(active.author.email).toBe("oncall@example.com");
		expect(active.source).toBe("dashboard");
		await screenshot(page, "rolled-back");
		await context.close();
	});

	it("a rollback the rules refuse shows why, before and after the click", async () => {
		const { context, page } = await signIn(tokens.oncall);
		await page.goto(`${shiplog.url}/dashboard/workers/${D1_APP}/rollback`);
		const candidate = page.locator(".candidate").filter({ hasText: "Reads orders from D1" });
		await eventually(() => candidate.textContent()).toContain("would be refused");
		await page.getByLabel("v1 — Reads orders from D1").check();
		await page.getByLabel("Why are you rolling back?").fill("orders page broke");
		await page.getByRole("button", { name: "Roll back" }).click();
		const alert = page.getByRole("alert");
		await eventually(() => alert.textContent()).toContain("Rollback refused");
		expect(await alert.textContent()).toMatch(/D1/);
		await screenshot(page, "rollback-refused");
		await context.close();
	});

	it("a read-only token sees no rollback button", async () => {
		const { context, page } = await signIn(tokens.viewer);
		await page.goto(`${shiplog.url}/dashboard/workers/${APP}`);
		await eventually(() => page.getByRole("heading", { name: "Deployments" }).isVisible()).toBe(true);
		expect(await page.getByRole("link", { name: "Roll back…" }).count()).toBe(0);
		expect(await page.getByRole("button", { name: /roll back/i }).count()).toBe(0);
		const direct = await page.goto(`${shiplog.url}/dashboard/workers/${APP}/rollback`);
		expect(direct?.status()).toBe(403);
		await context.close();
	});

	it("a stale page is refused: someone deployed since, and the new state is shown", async () => {
		const { context, page } = await signIn(tokens.oncall);
		await page.goto(`${shiplog.url}/dashboard/workers/${APP}/rollback`);
		await page.getByLabel("v1 — First release").check();
		await page.getByLabel("Why are you rolling back?").fill("going back to the start");
		const meanwhile = await upload(APP, "four", { message: "Hotfix from CI" });
		await page.getByRole("button", { name: "Roll back" }).click();
		const alert = page.getByRole("alert");
		await eventually(() => alert.textContent()).toContain("Someone deployed since you loaded this page");
		expect(await alert.textContent()).toContain("Nothing was rolled back");
		expect((await activeOf(APP)).id).toBe(meanwhile.deployment.id);
		await screenshot(page, "rollback-stale");
		await context.close();
	});

	it("a form with a forged CSRF token is refused", async () => {
		const { context, page } = await signIn(tokens.oncall);
		await page.goto(`${shiplog.url}/dashboard/workers/${APP}/rollback`);
		const before = (await activeOf(APP)).id;
		await page.locator('form[action$="/rollback"] input[name="csrf"]').evaluate((input) => {
			(input as HTMLInputElement).value = "forged-token";
		});
		await page.getByLabel("v1 — First release").check();
		await page.getByLabel("Why are you rolling back?").fill("forged");
		await page.getByRole("button", { name: "Roll back" }).click();
		await eventually(() => page.getByRole("alert").textContent()).toContain("CSRF token is missing or wrong");
		expect((await activeOf(APP)).id).toBe(before);
		await context.close();
	});

	it("a managed Worker's page under /w/* cannot use the signed-in person's session", async () => {
		const { context, page } = await signIn(tokens.oncall);
		const before = (await activeOf(APP)).id;
		const response = await page.goto(`${shiplog.url}/w/${EVIL}/`);
		expect(response?.headers()["content-security-policy"]).toMatch(/^sandbox allow-scripts/);
		await eventually(() => page.locator("#out").textContent()).not.toBe("waiting");
		const results = JSON.parse((await page.locator("#out").textContent()) ?? "{}");
		// The script ran, but in an opaque origin: it can neither read the dashboard nor act in it. (Without the
		// sandbox it reads the form, its CSRF token and all, and the rollback goes through.)
		expect(results.origin).toBe("null");
		expect(results.read).toMatch(/^failed/);
		expect(results.post).toMatch(/^failed/);
		expect((await activeOf(APP)).id).toBe(before);
		const log = await shiplog.native(`/v1/audit-log?worker=${APP}&action=worker.rollback&outcome=success`);
		expect(log.body.items.some((e: { message: string | null }) => e.message?.includes("pwned"))).toBe(false);
		// The same person's own tab still works.
		await page.goto(`${shiplog.url}/dashboard`);
		await eventually(() => page.getByText("Signed in as oncall@example.com").isVisible()).toBe(true);
		await context.close();
	});

	it("audits and the audit log, filtered", async () => {
		const { context, page } = await signIn(tokens.oncall);
		await page.getByRole("link", { name: "Audit log" }).click();
		await page.getByLabel("Worker").fill(APP);
		await page.getByLabel("Action").fill("worker.rollback");
		await page.getByRole("button", { name: "Filter" }).click();
		await eventually(() => page.getByRole("cell", { name: "worker.rollback" }).first().isVisible()).toBe(true);
		await screenshot(page, "audit-log");
		await page.getByRole("link", { name: "Audits" }).click();
		await eventually(() => page.getByRole("heading", { name: "Open findings" }).isVisible()).toBe(true);
		await context.close();
	});
});

import { beforeAll, describe, expect, it } from "vitest";
import { csrfOf, dashboardClient, shownActiveOf } from "../fixtures/dashboard";
import { createToken } from "../fixtures/tokens";
import { api, deploy, json, uploadVersion, workerSource } from "../helpers";

/**
 * The dashboard's rules, through its pages as a browser would use them: every change goes through the
 * service layer with the active deployment the page showed, forms carry the session's CSRF token, and
 * what a token may not do is neither offered nor allowed.
 */
const deployText = (name: string, text: string, metadata: Record<string, unknown> = {}) =>
	deploy(name, { modules: [{ name: "index.js", body: workerSource(text) }], metadata });

async function active(name: string): Promise<{
	id: string;
	versions: { version_id: string; percentage: number }[];
	message: string | null;
	source: string;
	author: { id: string };
}> {
	return json(await api(`/v1/workers/${name}/deployments/active`));
}

async function signedIn(scopes: string[], principal: string) {
	const { token } = await createToken(scopes, principal);
	const browser = dashboardClient({
		client: `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
	});
	expect((await browser.signIn(token)).status).toBe(303);
	return browser;
}

const versions: Record<string, string> = {};

beforeAll(async () => {
	versions.one = (await deployText("dash-app", "one", { message: "first" })).version.id;
	versions.two = (await deployText("dash-app", "two", { message: "second" })).version.id;
	versions.three = (await deployText("dash-app", "three", { message: "third" })).version.id;
	await deployText("dash-other", "other");
});

describe("rolling back from the dashboard", () => {
	it("rolls back with a message: the new deployment is the dashboard's, by the signed-in person", async () => {
		const browser = await signedIn(["rollback:dash-app"], "oncall@example.com");
		const page = await (await browser.get("/dashboard/workers/dash-app/rollback")).text();
		expect(page).toContain("bound data stays as it is");
		const shown = shownActiveOf(page);
		expect(shown).toBe((await active("dash-app")).id);
		const res = await browser.post("/dashboard/workers/dash-app/rollback", {
			csrf: csrfOf(page),
			active: shown,
			target: versions.two ?? "",
			message: "three broke checkout",
		});
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/workers/dash-app?notice=rolled-back");
		const now = await active("dash-app");
		expect(now.versions).toEqual([{ version_id: versions.two, percentage: 100 }]);
		expect(now.message).toBe("three broke checkout");
		expect(now.source).toBe("dashboard");
		expect(now.author.id).toBe("oncall@example.com");
		const log = await json(await api("/v1/audit-log?worker=dash-app&action=worker.rollback"));
		expect(log.items[0]).toMatchObject({
			outcome: "success",
			actor: { principal: "oncall@example.com", kind: "session", source: "dashboard" },
		});
		const after = await (await browser.get("/dashboard/workers/dash-app?notice=rolled-back")).text();
		expect(after).toContain("Rolled back.");
		expect(after.indexOf("three broke checkout")).toBeGreaterThan(-1);
	});

	it("a page that is stale is refused with 'someone deployed since' and the new state; nothing changes", async () => {
		const browser = await signedIn(["deploy:dash-app"], "slow@example.com");
		const page = await (await browser.get("/dashboard/workers/dash-app/rollback")).text();
		const shown = shownActiveOf(page);
		await deployText("dash-app", "four", { message: "someone else's deploy" });
		const meanwhile = await active("dash-app");
		const res = await browser.post("/dashboard/workers/dash-app/rollback", {
			csrf: csrfOf(page),
			active: shown,
			target: versions.one ?? "",
			message: "too late",
		});
		expect(res.status).toBe(412);
		const text = await res.text();
		expect(text).toContain("Someone deployed since you loaded this page");
		expect(text).toMatch(
			new RegExp(`now <a href="[^"]*/deployments/${meanwhile.id}">deployment \\d+</a> is, made by admin@shiplog.local`),
		);
		expect(shownActiveOf(text)).toBe(meanwhile.id);
		expect((await active("dash-app")).id).toBe(meanwhile.id);
	});

	it("a rollback the rules refuse shows its reasons, before and after the click", async () => {
		const target = await deployText("dash-d1", "one", {
			bindings: [{ name: "DB", type: "d1", database_id: "dash-d1-db" }],
		});
		await deployText("dash-d1", "two");
		const before = await active("dash-d1");
		const browser = await signedIn(["rollback"], "oncall2@example.com");
		const page = await (await browser.get("/dashboard/workers/dash-d1/rollback")).text();
		expect(page).toContain("would be refused");
		expect(page).toContain('data-code="d1_binding"');
		const res = await browser.post("/dashboard/workers/dash-d1/rollback", {
			csrf: csrfOf(page),
			active: shownActiveOf(page),
			target: target.version.id,
			message: "try anyway",
		});
		expect(res.status).toBe(422);
		const text = await res.text();
		expect(text).toContain("Rollback refused");
		expect(text).toMatch(/<div role="alert"[^>]*>[\s\S]*data-code="d1_binding"/);
		expect((await active("dash-d1")).id).toBe(before.id);
		const log = await json(await api("/v1/audit-log?worker=dash-d1&outcome=refused"));
		expect(log.items[0]).toMatchObject({ action: "worker.rollback", actor: { kind: "session", source: "dashboard" } });
	});
});

describe("CSRF", () => {
	const attempt = async (fields: (page: string) => Record<string, string>, headers: Record<string, string> = {}) => {
		const browser = await signedIn(["rollback:dash-app"], "victim@example.com");
		const page = await (await browser.get("/dashboard/workers/dash-app/rollback")).text();
		const before = await active("dash-app");
		const res = await browser.post(
			"/dashboard/workers/dash-app/rollback",
			{ active: shownActiveOf(page), target: versions.one ?? "", message: "forged", ...fields(page) },
			headers,
		);
		expect((await active("dash-app")).id).toBe(before.id);
		return res;
	};

	it("a form without the session's CSRF token is refused and changes nothing", async () => {
		const res = await attempt(() => ({}));
		expect(res.status).toBe(403);
		expect(await res.text()).toContain('data-reason="csrf_failed"');
	});

	it("a wrong token, or another session's, is refused", async () => {
		expect((await attempt(() => ({ csrf: "x".repeat(43) }))).status).toBe(403);
		const other = await signedIn(["read"], "someone@example.com");
		const theirs = csrfOf(await (await other.get("/dashboard")).text());
		expect((await attempt(() => ({ csrf: theirs }))).status).toBe(403);
	});

	it("the right token from another origin (a page elsewhere posting the form) is refused", async () => {
		const res = await attempt((page) => ({ csrf: csrfOf(page) }), {
			origin: "https://evil.example",
			"sec-fetch-site": "cross-site",
		});
		expect(res.status).toBe(403);
		const sandboxed = await attempt((page) => ({ csrf: csrfOf(page) }), {
			origin: "null",
			"sec-fetch-site": "cross-site",
		});
		expect(sandboxed.status).toBe(403);
	});

	it("signing out needs the token too", async () => {
		const browser = await signedIn(["read"], "stay@example.com");
		expect((await browser.post("/dashboard/sign-out", {})).status).toBe(403);
		expect((await browser.get("/dashboard")).status).toBe(200);
	});
});

describe("scopes", () => {
	it("a read-only token sees no rollback button, and cannot roll back by posting the form", async () => {
		const browser = await signedIn(["read"], "viewer@example.com");
		const page = await (await browser.get("/dashboard/workers/dash-app")).text();
		expect(page).toContain("Deployments");
		expect(page).not.toContain("Roll back…");
		expect(page).not.toContain("/rollback");
		const form = await browser.get("/dashboard/workers/dash-app/rollback");
		expect(form.status).toBe(403);
		const before = await active("dash-app");
		const res = await browser.post("/dashboard/workers/dash-app/rollback", {
			csrf: csrfOf(page),
			active: before.id,
			target: versions.one ?? "",
			message: "sneaky",
		});
		expect(res.status).toBe(403);
		expect(await res.text()).toContain("needs the rollback scope");
		expect((await active("dash-app")).id).toBe(before.id);
		const log = await json(await api("/v1/audit-log?worker=dash-app&outcome=denied"));
		expect(log.items[0]).toMatchObject({
			actor: { principal: "viewer@example.com", kind: "session", source: "dashboard" },
		});
	});

	it("a token for one Worker lists only it, and is refused another's pages", async () => {
		const browser = await signedIn(["read:dash-other"], "narrow@example.com");
		const list = await (await browser.get("/dashboard")).text();
		expect(list).toContain("/dashboard/workers/dash-other");
		expect(list).not.toContain("/dashboard/workers/dash-app");
		expect((await browser.get("/dashboard/workers/dash-app")).status).toBe(403);
		expect((await browser.get("/dashboard/workers/dash-app/diff")).status).toBe(403);
	});

	it("search keeps Workers whose name has the text", async () => {
		const browser = await signedIn(["read"], "searcher@example.com");
		const list = await (await browser.get("/dashboard?q=other")).text();
		expect(list).toContain("/dashboard/workers/dash-other");
		expect(list).not.toContain("/dashboard/workers/dash-app");
	});
});

describe("gradual rollouts", () => {
	it("promote sends all traffic to the new version; it needs deploy, abort needs only rollback", async () => {
		const old = await deployText("dash-split", "old");
		const next = await uploadVersion("dash-split", { modules: [{ name: "index.js", body: workerSource("new") }] });
		const split = await api("/v1/workers/dash-split/deployments", {
			method: "POST",
			body: JSON.stringify({
				versions: [
					{ version_id: next.version.id, percentage: 10 },
					{ version_id: old.version.id, percentage: 90 },
				],
			}),
		});
		expect(split.status).toBe(201);

		const oncall = await signedIn(["rollback:dash-split"], "oncall3@example.com");
		const page = await (await oncall.get("/dashboard/workers/dash-split")).text();
		expect(page).toContain("Abort…");
		expect(page).not.toContain("Promote…");
		expect((await oncall.get("/dashboard/workers/dash-split/rollout?action=promote")).status).toBe(403);

		const deployer = await signedIn(["deploy:dash-split"], "deployer@example.com");
		const confirm = await (await deployer.get("/dashboard/workers/dash-split/rollout?action=promote")).text();
		expect(confirm).toContain("gets 10 %");
		const res = await deployer.post("/dashboard/workers/dash-split/rollout", {
			csrf: csrfOf(confirm),
			active: shownActiveOf(confirm),
			action: "promote",
			version: next.version.id,
			message: "looks good",
		});
		expect(res.status).toBe(303);
		expect((await active("dash-split")).versions).toEqual([{ version_id: next.version.id, percentage: 100 }]);
	});
});

describe("aborting a rollout", () => {
	it("puts the older version back at 100 % for someone who may only roll back; a stale confirmation changes nothing", async () => {
		const old = await deployText("dash-abort", "old");
		const next = await uploadVersion("dash-abort", { modules: [{ name: "index.js", body: workerSource("new") }] });
		const splitOf = (percentage: number) =>
			api("/v1/workers/dash-abort/deployments", {
				method: "POST",
				body: JSON.stringify({
					versions: [
						{ version_id: next.version.id, percentage },
						{ version_id: old.version.id, percentage: 100 - percentage },
					],
				}),
			});
		expect((await splitOf(10)).status).toBe(201);
		const oncall = await signedIn(["rollback:dash-abort"], "aborter@example.com");
		const stale = await (await oncall.get("/dashboard/workers/dash-abort/rollout?action=abort")).text();
		expect((await splitOf(20)).status).toBe(201);
		const meanwhile = await active("dash-abort");
		const refused = await oncall.post("/dashboard/workers/dash-abort/rollout", {
			csrf: csrfOf(stale),
			active: shownActiveOf(stale),
			action: "abort",
			version: old.version.id,
			message: "too late",
		});
		expect(refused.status).toBe(412);
		const again = await refused.text();
		expect(again).toContain("Someone deployed since you loaded this page");
		expect(again).toContain("gets 20 %");
		expect((await active("dash-abort")).id).toBe(meanwhile.id);

		const res = await oncall.post("/dashboard/workers/dash-abort/rollout", {
			csrf: csrfOf(again),
			active: shownActiveOf(again),
			action: "abort",
			version: old.version.id,
			message: "errors in the new version",
		});
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard/workers/dash-abort?notice=aborted");
		const now = await active("dash-abort");
		expect(now.versions).toEqual([{ version_id: old.version.id, percentage: 100 }]);
		expect(now.author.id).toBe("aborter@example.com");
	});
});

describe("the timeline", () => {
	it("is paged, newest first, and tells rollbacks apart", async () => {
		for (let i = 1; i <= 12; i++) await deployText("dash-paged", `v${i}`);
		const rollback = await api("/v1/workers/dash-paged/rollback", { method: "POST", body: "{}" });
		expect(rollback.status).toBe(201);
		const browser = await signedIn(["read"], "pager@example.com");
		const first = await (await browser.get("/dashboard/workers/dash-paged")).text();
		const numbers = (html: string) => [...html.matchAll(/aria-label="Deployment (\d+)"/g)].map((m) => Number(m[1]));
		expect(numbers(first)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
		expect(first).toContain('<span class="badge warn">rollback</span>');
		const older = first.match(/href="(\/dashboard\/workers\/dash-paged\?cursor=[^"]+)">Older deployments/)?.[1];
		expect(older).toBeDefined();
		const second = await (await browser.get(older ?? "")).text();
		expect(numbers(second)).toEqual([3, 2, 1]);
		expect(second).not.toContain("Older deployments");
	});
});

describe("reading", () => {
	it("a version page shows modules, bindings and secret names, never secret values", async () => {
		const up = await deployText("dash-secrets", "s", {
			bindings: [
				{ name: "API_KEY", type: "secret_text", text: "hunter2-value" },
				{ name: "GREETING", type: "plain_text", text: "hello" },
			],
		});
		const browser = await signedIn(["read"], "reader2@example.com");
		const page = await (await browser.get(`/dashboard/workers/dash-secrets/versions/${up.version.id}`)).text();
		expect(page).toContain("API_KEY");
		expect(page).toContain("GREETING");
		expect(page).not.toContain("hunter2");
		const source = await browser.get(`/dashboard/workers/dash-secrets/versions/${up.version.id}/modules/index.js`);
		expect(source.status).toBe(200);
		expect(await source.text()).toContain("export default");
	});

	it("diffs, deployments, audits and the audit log render", async () => {
		const browser = await signedIn(["admin"], "admin-person@example.com");
		const unified = await browser.get(`/dashboard/workers/dash-app/diff?from=${versions.one}&to=${versions.two}`);
		expect(unified.status).toBe(200);
		const text = await unified.text();
		expect(text).toContain('class="del">-');
		const split = await (
			await browser.get(`/dashboard/workers/dash-app/diff?from=${versions.one}&to=${versions.two}&view=split`)
		).text();
		expect(split).toContain("Before");
		const deployment = await active("dash-app");
		expect((await browser.get(`/dashboard/workers/dash-app/deployments/${deployment.id}`)).status).toBe(200);
		expect((await browser.get("/dashboard/audits")).status).toBe(200);
		const log = await (await browser.get("/dashboard/audit-log?worker=dash-app&outcome=success")).text();
		expect(log).toContain("worker.rollback");
		expect((await browser.get("/dashboard/audit-log?outcome=bogus")).status).toBe(400);
		expect((await browser.get("/dashboard/no-such-page")).status).toBe(404);
	});
});

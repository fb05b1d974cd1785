import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, json, uploadForm, workerSource } from "./helpers";

const ACCOUNT = env.SHIPLOG_ACCOUNT_ID;
const A = `/client/v4/accounts/${ACCOUNT}`;
const S = (name: string) => `${A}/workers/scripts/${name}`;
const WRANGLER = { "user-agent": "wrangler/4.164.0" };

function cf(path: string, init: RequestInit & { token?: string | null } = {}) {
	return api(path, { ...init, headers: { ...WRANGLER, ...(init.headers as Record<string, string>) } });
}

async function envelope(res: Response) {
	const body = await json(res);
	expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(["errors", "messages", "result", "success"]));
	return body;
}

async function expectError(res: Response, code: number, status?: number) {
	const body = await envelope(res);
	expect(body.success).toBe(false);
	expect(body.result).toBeNull();
	expect(body.errors[0].code).toBe(code);
	expect(body.errors[0].message).toEqual(expect.any(String));
	if (status) expect(res.status).toBe(status);
	return body;
}

async function wranglerDeploy(name: string, text: string, metadata: Record<string, unknown> = {}) {
	const res = await cf(`${S(name)}?excludeScript=true&bindings_inherit=strict`, {
		method: "PUT",
		body: uploadForm({ metadata, modules: [{ name: "index.js", body: workerSource(text) }] }),
	});
	const body = await envelope(res);
	expect(body.success, JSON.stringify(body.errors)).toBe(true);
	return body.result;
}

async function wranglerUpload(name: string, text: string, metadata: Record<string, unknown> = {}) {
	return cf(`${S(name)}/versions?bindings_inherit=strict`, {
		method: "POST",
		body: uploadForm({ metadata, modules: [{ name: "index.js", body: workerSource(text) }] }),
	});
}

function createDeployment(name: string, versions: { version_id: string; percentage: number }[], message = "") {
	return cf(`${S(name)}/deployments`, {
		method: "POST",
		body: JSON.stringify({ strategy: "percentage", versions, annotations: { "workers/message": message } }),
	});
}

describe("the Cloudflare envelope and its errors", () => {
	it("answers a Worker that does not exist with code 10007, which wrangler reads as a first deploy", async () => {
		await expectError(await cf(`${A}/workers/services/never-deployed`), 10007, 404);
		await expectError(await cf(`${S("never-deployed")}/deployments`), 10007, 404);
	});

	it("refuses an account id other than SHIPLOG_ACCOUNT_ID", async () => {
		const body = await expectError(await cf("/client/v4/accounts/someone-else/workers/subdomain"), 7003, 404);
		expect(body.errors[0].message).toContain(ACCOUNT);
	});

	it("checks the same bearer token as /v1 and says so in Cloudflare's shape", async () => {
		await expectError(await cf(`${A}/workers/subdomain`, { token: null }), 10000, 401);
		await expectError(await cf(`${A}/workers/subdomain`, { token: "wrong" }), 10000, 401);
	});

	it("answers unsupported endpoints, inside and outside the account, with an error and never a null success", async () => {
		for (const [method, path] of [
			["GET", "/client/v4/user"],
			["GET", "/client/v4/memberships"],
			["GET", `${A}/workers/scripts/x/content/v2`],
			["DELETE", S("x")],
			["POST", `${A}/vectorize/v2/indexes`],
		] as const) {
			const body = await expectError(await cf(path, { method }), 7000, 404);
			expect(body.errors[0].message).toContain(path);
		}
	});

	it("reports a malformed deployment body as a validation error (10021), not an authentication one", async () => {
		await wranglerDeploy("cf-bad-body", "one");
		const notJson = await cf(`${S("cf-bad-body")}/deployments`, { method: "POST", body: "{" });
		await expectError(notJson, 10021, 400);
		const badSplit = await createDeployment("cf-bad-body", [{ version_id: "a", percentage: 150 }]);
		const body = await expectError(badSplit, 10021, 400);
		expect(body.errors[0].message).toMatch(/versions\[0\]\.percentage/);
	});

	it("never answers odd names, ids or bodies with a server error", async () => {
		await wranglerDeploy("cf-odd", "one");
		const odd = ["UPPER", "a".repeat(200), "%00", "..", "x%2Fy", "-dash", "ünï"];
		for (const value of odd) {
			for (const path of [
				`${A}/workers/services/${value}`,
				`${A}/workers/workers/${value}`,
				`${S(value)}/versions`,
				`${S("cf-odd")}/versions/${value}`,
				`${S("cf-odd")}/deployments/${value}`,
				`/client/v4/accounts/${value}/workers/subdomain`,
			]) {
				const res = await cf(path);
				expect(res.status, path).toBeLessThan(500);
				expect((await json(res)).success, path).toBe(false);
			}
		}
		const notMultipart = await cf(S("cf-odd"), { method: "PUT", body: JSON.stringify({ main_module: "x" }) });
		await expectError(notMultipart, 10021, 415);
		const noVersions = await createDeployment("cf-odd", [{ version_id: "missing", percentage: 100 }]);
		expect((await envelope(noVersions)).success).toBe(false);
	});

	it("refuses to delete a deployment: the log is immutable", async () => {
		const { deployment_id } = await wranglerDeploy("cf-no-delete", "one");
		const deployments = await json(await cf(`${S("cf-no-delete")}/deployments`));
		const id = deployments.result.deployments[0].id;
		await expectError(await cf(`${S("cf-no-delete")}/deployments/${id}`, { method: "DELETE" }), 10224, 422);
		expect(deployment_id).toEqual(expect.any(String));
	});
});

describe("wrangler deploy through PUT /scripts/:name", () => {
	it("stores a version and a 100 % deployment, recorded as from wrangler, and returns the version as deployment_id", async () => {
		const result = await wranglerDeploy("cf-first", "one", {
			bindings: [{ name: "GREETING", type: "plain_text", text: "hi" }],
			keep_bindings: ["secret_text", "secret_key"],
			code_update_strategy: { mode: "deferred", max_delay: 300 },
			annotations: { "workers/message": "first deploy", "workers/tag": "v1" },
		});
		expect(result).toMatchObject({ id: "cf-first", compatibility_date: "2026-11-01", last_deployed_from: "wrangler" });
		const native = await json(await api("/v1/workers/cf-first/deployments/active"));
		expect(native).toMatchObject({ source: "wrangler", triggered_by: "upload", message: "first deploy" });
		expect(native.versions).toEqual([{ version_id: result.deployment_id, percentage: 100 }]);
		const version = await json(await api(`/v1/workers/cf-first/versions/${result.deployment_id}`));
		expect(version).toMatchObject({ source: "wrangler", tag: "v1", number: 1 });
	});

	it("records the source as api when the client is not wrangler", async () => {
		const res = await api(S("cf-not-wrangler"), { method: "PUT", body: uploadForm() });
		expect((await json(res)).success).toBe(true);
		const native = await json(await api("/v1/workers/cf-not-wrangler/deployments/active"));
		expect(native.source).toBe("api");
	});

	it("stores the Durable Object migration tag and reports it, so wrangler does not resend migrations", async () => {
		const first = await wranglerDeploy("cf-do", "one", {
			bindings: [{ name: "COUNTER", type: "durable_object_namespace", class_name: "Counter" }],
			migrations: { new_tag: "v1", steps: [{ new_sqlite_classes: ["Counter"] }] },
		});
		expect(first.migration_tag).toBe("v1");
		const service = await json(await cf(`${A}/workers/services/cf-do`));
		expect(service.result.default_environment.script).toMatchObject({
			migration_tag: "v1",
			last_deployed_from: "wrangler",
		});

		const second = await wranglerDeploy("cf-do", "two", {
			migrations: { old_tag: "v1", new_tag: "v2", steps: [{ new_sqlite_classes: ["Counter2"] }] },
			annotations: { "workers/message": "mig v2", "workers/tag": "m2" },
		});
		expect(second.migration_tag).toBe("v2");
		const service2 = await json(await cf(`${A}/workers/services/cf-do`));
		expect(service2.result.default_environment.script.migration_tag).toBe("v2");
	});

	it("refuses migrations that do not start from the Worker's tag with a Cloudflare code", async () => {
		await wranglerDeploy("cf-do-stale", "one", { migrations: { new_tag: "v1", new_sqlite_classes: ["A"] } });
		const res = await cf(S("cf-do-stale"), {
			method: "PUT",
			body: uploadForm({ metadata: { migrations: { old_tag: "v0", new_tag: "v2", new_sqlite_classes: ["B"] } } }),
		});
		await expectError(res, 10079, 409);
	});
});

describe("versions", () => {
	it("uploads a version without deploying it, and refuses one for a Worker that was never deployed (10007)", async () => {
		await expectError(await wranglerUpload("cf-upload-new", "one"), 10007, 404);
		const deployed = await wranglerDeploy("cf-upload", "one");
		const res = await wranglerUpload("cf-upload", "two", {
			annotations: { "workers/message": "rc", "workers/tag": "t2" },
		});
		const body = await envelope(res);
		expect(body.success).toBe(true);
		expect(body.result).toMatchObject({
			number: 2,
			metadata: { source: "wrangler", has_preview: false, hasPreview: false },
			annotations: { "workers/triggered_by": "version_upload", "workers/message": "rc", "workers/tag": "t2" },
		});
		const active = await json(await api("/v1/workers/cf-upload/deployments/active"));
		expect(active.versions).toEqual([{ version_id: deployed.deployment_id, percentage: 100 }]);
	});

	it("refuses a version upload that carries a Durable Object migration with 10211", async () => {
		await wranglerDeploy("cf-upload-mig", "one");
		const res = await wranglerUpload("cf-upload-mig", "two", {
			migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
		});
		await expectError(res, 10211, 400);
		const native = await json(await api("/v1/workers/cf-upload-mig"));
		expect(native.version_count).toBe(1);
	});

	it("shows a version with everything wrangler's `versions view` reads, and never a secret's value", async () => {
		const { deployment_id } = await wranglerDeploy("cf-view", "one", {
			bindings: [
				{ name: "GREETING", type: "plain_text", text: "hi" },
				{ name: "API_KEY", type: "secret_text", text: "hunter2" },
			],
			compatibility_flags: ["nodejs_compat"],
			annotations: { "workers/message": "view me", "workers/tag": "v1" },
		});
		const res = await cf(`${S("cf-view")}/versions/${deployment_id}`);
		const { result } = await envelope(res);
		expect(result.id).toBe(deployment_id);
		expect(result.metadata).toMatchObject({
			author_email: "admin@shiplog.local",
			source: "wrangler",
			has_preview: false,
		});
		expect(new Date(result.metadata.created_on).toISOString()).toBe(result.metadata.created_on);
		expect(result.annotations).toEqual({
			"workers/triggered_by": "upload",
			"workers/message": "view me",
			"workers/tag": "v1",
		});
		expect(result.resources.script).toMatchObject({ handlers: [], etag: expect.stringMatching(/^[0-9a-f]{64}$/) });
		expect(result.resources.script_runtime).toMatchObject({
			compatibility_date: "2026-11-01",
			compatibility_flags: ["nodejs_compat"],
			usage_model: "standard",
		});
		expect(result.resources.bindings).toEqual([
			{ name: "GREETING", type: "plain_text", text: "hi" },
			{ name: "API_KEY", type: "secret_text" },
		]);
		expect(JSON.stringify(result)).not.toContain("hunter2");
		await expectError(await cf(`${S("cf-view")}/versions/no-such-version`), 10300, 404);
	});

	it("lists versions newest first under result.items, all deployable ones at once or page by page", async () => {
		for (const text of ["one", "two", "three"]) await wranglerDeploy("cf-list", text);
		const all = await json(await cf(`${S("cf-list")}/versions?deployable=true`));
		expect(all.result.items.map((v: any) => v.number)).toEqual([3, 2, 1]);
		expect(all.result.items[0]).not.toHaveProperty("resources");
		const page2 = await json(await cf(`${S("cf-list")}/versions?page=2&per_page=2`));
		expect(page2.result.items.map((v: any) => v.number)).toEqual([1]);
		expect(page2.result_info).toMatchObject({ page: 2, per_page: 2, total_count: 3 });
	});
});

describe("deployments", () => {
	it("lists deployments newest first, as wrangler assumes deployments[0] is the active one", async () => {
		const one = await wranglerDeploy("cf-deps", "one", { annotations: { "workers/message": "first" } });
		const two = await wranglerDeploy("cf-deps", "two");
		const { result } = await json(await cf(`${S("cf-deps")}/deployments`));
		expect(result.deployments.map((d: any) => d.versions[0].version_id)).toEqual([
			two.deployment_id,
			one.deployment_id,
		]);
		expect(result.deployments[1]).toMatchObject({
			source: "wrangler",
			strategy: "percentage",
			author_email: "admin@shiplog.local",
			annotations: { "workers/triggered_by": "upload", "workers/message": "first" },
			versions: [{ version_id: one.deployment_id, percentage: 100 }],
		});
		const single = await json(await cf(`${S("cf-deps")}/deployments/${result.deployments[1].id}`));
		expect(single.result.id).toBe(result.deployments[1].id);
		await expectError(await cf(`${S("cf-deps")}/deployments/nope`), 10301, 404);
	});

	it("deploys two versions split 50/50 and treats wrangler's empty message as none", async () => {
		const one = await wranglerDeploy("cf-split", "one");
		const two = await json(await wranglerUpload("cf-split", "two"));
		const res = await createDeployment("cf-split", [
			{ version_id: one.deployment_id, percentage: 50 },
			{ version_id: two.result.id, percentage: 50 },
		]);
		const { result } = await envelope(res);
		expect(result.annotations).toEqual({ "workers/triggered_by": "deployment" });
		const active = await json(await api("/v1/workers/cf-split/deployments/active"));
		expect(active).toMatchObject({ id: result.id, message: null, triggered_by: "deployment", source: "wrangler" });
		expect(active.versions).toEqual([
			{ version_id: one.deployment_id, percentage: 50 },
			{ version_id: two.result.id, percentage: 50 },
		]);
	});

	it("applies the core's split rules: percentages must add up to 100", async () => {
		const one = await wranglerDeploy("cf-split-bad", "one");
		const two = await json(await wranglerUpload("cf-split-bad", "two"));
		const res = await createDeployment("cf-split-bad", [
			{ version_id: one.deployment_id, percentage: 60 },
			{ version_id: two.result.id, percentage: 60 },
		]);
		const body = await expectError(res, 10021, 400);
		expect(body.errors[0].message).toMatch(/add up to 120/);
	});

	it("records wrangler's rollback (an older version at 100 %) as a rollback from the active deployment", async () => {
		const one = await wranglerDeploy("cf-rollback", "one");
		await wranglerDeploy("cf-rollback", "two");
		const before = await json(await api("/v1/workers/cf-rollback/deployments/active"));
		const res = await createDeployment("cf-rollback", [{ version_id: one.deployment_id, percentage: 100 }], "Rollback");
		const { result } = await envelope(res);
		expect(result.annotations).toEqual({
			"workers/triggered_by": "rollback",
			"workers/message": "Rollback",
			"workers/rollback_from": before.id,
		});
		const active = await json(await api("/v1/workers/cf-rollback/deployments/active"));
		expect(active).toMatchObject({ triggered_by: "rollback", rollback_from: before.id });
	});
});

describe("the rest of what wrangler reads", () => {
	it("reports the account subdomain, the Worker resource and stable workers.dev state", async () => {
		await wranglerDeploy("cf-worker", "one");
		expect((await json(await cf(`${A}/workers/subdomain`))).result).toEqual({ subdomain: "shiplog" });
		const worker = await json(await cf(`${A}/workers/workers/cf-worker`));
		expect(worker.result).toMatchObject({ id: "cf-worker", subdomain: { enabled: true, previews_enabled: false } });
		const after = await json(
			await cf(`${S("cf-worker")}/subdomain`, { method: "POST", body: JSON.stringify({ enabled: true }) }),
		);
		expect(after.result).toEqual({ enabled: true, previews_enabled: false });
		// The test config routes the edge by host under workers.test, so that is the address wrangler prints.
		expect(worker.result.subdomain.url).toBe("https://cf-worker.workers.test/");
		await expectError(await cf(`${A}/workers/workers/cf-worker-missing`), 10007, 404);
	});

	it("answers settings, script settings and schedules with real shapes, saying what shiplog does not keep", async () => {
		await wranglerDeploy("cf-settings", "one", { bindings: [{ name: "GREETING", type: "plain_text", text: "hi" }] });
		const settings = await json(await cf(`${S("cf-settings")}/settings`));
		expect(settings.result).toMatchObject({ bindings: [{ name: "GREETING" }], compatibility_date: "2026-11-01" });
		const patched = await json(
			await cf(`${S("cf-settings")}/script-settings`, {
				method: "PATCH",
				body: JSON.stringify({ observability: { enabled: true } }),
			}),
		);
		expect(patched.result.observability).toEqual({ enabled: false });
		expect(patched.messages[0].message).toMatch(/keeps no non-versioned settings/);
		const schedules = await json(
			await cf(`${S("cf-settings")}/schedules`, { method: "PUT", body: JSON.stringify([{ cron: "*/5 * * * *" }]) }),
		);
		// Cron triggers are kept and run (test/runtime/cron.test.ts).
		expect(schedules.result.schedules).toEqual([
			{ cron: "*/5 * * * *", created_on: expect.any(String), modified_on: expect.any(String) },
		]);
	});

	it("lists secret names without values", async () => {
		await wranglerDeploy("cf-secrets", "one", {
			bindings: [
				{ name: "A", type: "secret_text", text: "value-a" },
				{ name: "B", type: "plain_text", text: "b" },
			],
		});
		const res = await cf(`${S("cf-secrets")}/secrets`);
		const body = await json(res);
		expect(body.result).toEqual([{ name: "A", type: "secret_text" }]);
		expect(JSON.stringify(body)).not.toContain("value-a");
	});
});

function putSecret(name: string, secret: string, text: string) {
	return cf(`${S(name)}/secrets`, {
		method: "PUT",
		body: JSON.stringify({ name: secret, text, type: "secret_text" }),
	});
}

describe("secrets", () => {
	it("`secret put` makes a new version with the secret and deploys it, and no response carries the value", async () => {
		const first = await wranglerDeploy("cf-secret-put", "one");
		const res = await putSecret("cf-secret-put", "API_KEY", "s3cr3t-value");
		const body = await envelope(res);
		expect(body).toMatchObject({ success: true, result: { name: "API_KEY", type: "secret_text" } });
		const active = await json(await api("/v1/workers/cf-secret-put/deployments/active"));
		expect(active).toMatchObject({ number: 2, triggered_by: "secret", source: "wrangler" });
		const version = await json(await api(`/v1/workers/cf-secret-put/versions/${active.versions[0].version_id}`));
		expect(version).toMatchObject({ number: 2, triggered_by: "secret" });
		expect(version.modules).toEqual(
			(await json(await api(`/v1/workers/cf-secret-put/versions/${first.deployment_id}`))).modules,
		);
		const listed = await json(await cf(`${S("cf-secret-put")}/secrets`));
		expect(listed.result).toEqual([{ name: "API_KEY", type: "secret_text" }]);
		const view = await json(await cf(`${S("cf-secret-put")}/versions/${version.id}`));
		expect(view.result.resources.bindings).toEqual([{ name: "API_KEY", type: "secret_text" }]);
		for (const r of [body, listed, view]) expect(JSON.stringify(r)).not.toContain("s3cr3t-value");
	});

	it("answers a secret for an unknown Worker with 10007, so wrangler creates the Worker first", async () => {
		await expectError(await putSecret("cf-secret-ghost", "A", "x"), 10007, 404);
	});

	it("refuses `secret put` while traffic is split with 10215, which wrangler explains", async () => {
		const one = await wranglerDeploy("cf-secret-split", "one");
		const two = await json(await wranglerUpload("cf-secret-split", "two"));
		await createDeployment("cf-secret-split", [
			{ version_id: one.deployment_id, percentage: 50 },
			{ version_id: two.result.id, percentage: 50 },
		]);
		await expectError(await putSecret("cf-secret-split", "A", "x"), 10215, 409);
	});

	it("`secret delete` makes a version without it; an unknown secret is an error", async () => {
		await wranglerDeploy("cf-secret-del", "one");
		await putSecret("cf-secret-del", "GONE", "x");
		const res = await cf(`${S("cf-secret-del")}/secrets/GONE?url_encoded=true`, { method: "DELETE" });
		expect((await envelope(res)).success).toBe(true);
		const active = await json(await api("/v1/workers/cf-secret-del/deployments/active"));
		expect(active).toMatchObject({ number: 3, triggered_by: "secret" });
		expect((await json(await cf(`${S("cf-secret-del")}/secrets`))).result).toEqual([]);
		await expectError(await cf(`${S("cf-secret-del")}/secrets/GONE`, { method: "DELETE" }), 10302, 404);
	});

	it("`versions secret put` makes a version from the latest one with the secret, and does not deploy it", async () => {
		const one = await wranglerDeploy("cf-version-secret", "one");
		const res = await cf(`${A}/workers/workers/cf-version-secret/versions/latest`, {
			method: "PATCH",
			headers: { "content-type": "application/merge-patch+json" },
			body: JSON.stringify({
				env: { VSEC: { type: "secret_text", text: "vsval" } },
				annotations: { "workers/message": "vsec msg", "workers/tag": "vst" },
			}),
		});
		const body = await envelope(res);
		expect(body.result).toMatchObject({
			number: 2,
			annotations: { "workers/triggered_by": "secret", "workers/message": "vsec msg" },
			bindings: [{ name: "VSEC", type: "secret_text" }],
		});
		expect(JSON.stringify(body)).not.toContain("vsval");
		const active = await json(await api("/v1/workers/cf-version-secret/deployments/active"));
		expect(active.versions).toEqual([{ version_id: one.deployment_id, percentage: 100 }]);
		const two = await cf(`${A}/workers/workers/cf-version-secret/versions/latest`, {
			method: "PATCH",
			body: JSON.stringify({ env: { A: { type: "secret_text", text: "a" }, B: { type: "secret_text", text: "b" } } }),
		});
		await expectError(two, 10021, 400);
	});
});

describe("rollback refusals", () => {
	it("refuses a rollback across a secret change with 10220 naming the secrets, and allows it with ?force=true", async () => {
		const one = await wranglerDeploy("cf-rb-secret", "one");
		await putSecret("cf-rb-secret", "OTHER", "a");
		await putSecret("cf-rb-secret", "MY_SECRET", "b");
		const versions = [{ version_id: one.deployment_id, percentage: 100 }];
		const refused = await expectError(await createDeployment("cf-rb-secret", versions, "Rollback"), 10220, 422);
		const message: string = refused.errors[0].message;
		// wrangler's parse: the text after the marker plus one character, split on ", ".
		const marker = "The following secrets have changed:";
		expect(message.slice(message.indexOf(marker) + marker.length + 1).split(", ")).toEqual(["MY_SECRET", "OTHER"]);
		expect((await json(await api("/v1/workers/cf-rb-secret"))).deployment_count).toBe(3);

		const forced = await cf(`${S("cf-rb-secret")}/deployments?force=true`, {
			method: "POST",
			body: JSON.stringify({ strategy: "percentage", versions, annotations: { "workers/message": "Rollback" } }),
		});
		expect((await envelope(forced)).result.annotations["workers/triggered_by"]).toBe("rollback");
		const active = await json(await api("/v1/workers/cf-rb-secret/deployments/active"));
		expect(active).toMatchObject({ number: 4, triggered_by: "rollback", versions });
	});

	it("refuses a rollback across a Durable Object migration with a code wrangler will not force", async () => {
		const one = await wranglerDeploy("cf-rb-do", "one", { migrations: { new_tag: "v1", new_sqlite_classes: ["A"] } });
		await wranglerDeploy("cf-rb-do", "two", {
			migrations: { old_tag: "v1", new_tag: "v2", new_sqlite_classes: ["B"] },
		});
		const res = await createDeployment("cf-rb-do", [{ version_id: one.deployment_id, percentage: 100 }]);
		const body = await expectError(res, 10224, 422);
		expect(body.errors[0].message).toMatch(/Durable Object migration/);
	});
});

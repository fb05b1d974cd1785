import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { revealSecrets } from "../src/secrets/reveal";
import { getVersion } from "../src/storage/versions";
import { testApp } from "./fixtures/app";
import { auditNow } from "./fixtures/audit";
import { api, counts, deploy, json, patchJson, uploadForm, uploadVersion } from "./helpers";

const putSecret = (worker: string, name: string, value: string) =>
	patchJson(`/v1/workers/${worker}/secrets/${name}`, { value }, "PUT");

async function versionOf(worker: string, id: string) {
	const version = await getVersion(env.DB, worker, id);
	if (!version) throw new Error(`no version ${id}`);
	return version;
}

afterEach(() => vi.restoreAllMocks());

describe("secrets", () => {
	it("PUT makes a new version with the secret and deploys it, triggered_by secret", async () => {
		await deploy("sec-put", { metadata: { bindings: [{ name: "GREETING", type: "plain_text", text: "hi" }] } });
		const res = await putSecret("sec-put", "API_KEY", "s3cr3t-value");
		expect(res.status).toBe(201);
		const body = await json(res);
		expect(body.version).toMatchObject({ number: 2, triggered_by: "secret" });
		expect(body.version.bindings).toEqual([
			{ name: "GREETING", type: "plain_text", text: "hi" },
			{ name: "API_KEY", type: "secret_text" },
		]);
		expect(body.deployment).toMatchObject({
			triggered_by: "secret",
			versions: [{ version_id: body.version.id, percentage: 100 }],
		});
		expect(await revealSecrets(env, await versionOf("sec-put", body.version.id))).toEqual({ API_KEY: "s3cr3t-value" });
		const list = await json(await api("/v1/workers/sec-put/secrets"));
		expect(list).toEqual({ items: [{ name: "API_KEY", type: "secret_text" }] });
	});

	it("stores each value encrypted, once, and the version holds only a reference", async () => {
		const { version } = await json(
			await putSecret((await deploy("sec-rest")).version.worker, "TOKEN", "plain-to-find"),
		);
		const stored = await versionOf("sec-rest", version.id);
		const binding = stored.bindings.find((b) => b.name === "TOKEN") as { secret_ref?: string; text?: string };
		expect(binding.text).toBeUndefined();
		expect(binding.secret_ref).toMatch(/^[0-9a-f-]{36}$/);
		const row = await env.DB.prepare("SELECT * FROM secret_values WHERE id = ?1")
			.bind(binding.secret_ref)
			.first<{ ciphertext: string; worker: string; name: string }>();
		expect(row).toMatchObject({ worker: "sec-rest", name: "TOKEN" });
		expect(row?.ciphertext).not.toContain("plain-to-find");
		expect(atob(row?.ciphertext ?? "")).not.toContain("plain-to-find");
	});

	it("a PUT with the value the secret already has changes nothing, and says so", async () => {
		await deploy("sec-same");
		await putSecret("sec-same", "K", "v1");
		const before = await counts("sec-same");
		const res = await putSecret("sec-same", "K", "v1");
		expect(res.status).toBe(200);
		expect(await json(res)).toMatchObject({ changed: false, version: null, deployment: null });
		expect(await counts("sec-same")).toEqual(before);
		expect(await env.DB.prepare("SELECT count(*) AS n FROM secret_values WHERE worker = 'sec-same'").first("n")).toBe(
			1,
		);
	});

	it("DELETE makes a version without the secret; deleting an absent one is a 404", async () => {
		await deploy("sec-del");
		await putSecret("sec-del", "K", "v1");
		const res = await api("/v1/workers/sec-del/secrets/K", { method: "DELETE" });
		expect(res.status).toBe(201);
		const body = await json(res);
		expect(body.version.bindings).toEqual([]);
		expect(body.deployment.triggered_by).toBe("secret");
		expect(await json(await api("/v1/workers/sec-del/secrets"))).toEqual({ items: [] });
		const again = await api("/v1/workers/sec-del/secrets/K", { method: "DELETE" });
		expect(again.status).toBe(404);
	});

	it("refuses a secret whose name a plain binding already uses", async () => {
		await deploy("sec-clash", { metadata: { bindings: [{ name: "K", type: "plain_text", text: "x" }] } });
		const res = await putSecret("sec-clash", "K", "v");
		expect(res.status).toBe(409);
	});

	it("uploads encrypt secret_text values, and keep_bindings keeps the previous references", async () => {
		const first = await deploy("sec-upload", {
			metadata: { bindings: [{ name: "PW", type: "secret_text", text: "from-upload" }] },
		});
		expect(first.version.bindings).toEqual([{ name: "PW", type: "secret_text" }]);
		const v1 = await versionOf("sec-upload", first.version.id);
		expect(JSON.stringify(v1.bindings)).not.toContain("from-upload");
		expect(await revealSecrets(env, v1)).toEqual({ PW: "from-upload" });

		const kept = await uploadVersion("sec-upload", { metadata: { keep_bindings: ["secret_text"] } });
		const v2 = await versionOf("sec-upload", kept.version.id);
		expect(v2.bindings).toEqual(v1.bindings);

		const dropped = await uploadVersion("sec-upload");
		expect(dropped.version.bindings).toEqual([]);
	});

	it("refuses uploads that name a secret_ref themselves or send a secret without a value", async () => {
		for (const binding of [
			{ name: "X", type: "secret_text", secret_ref: "someone-elses" },
			{ name: "X", type: "secret_text" },
		]) {
			const res = await api("/v1/workers/sec-forge", {
				method: "PUT",
				body: uploadForm({ metadata: { bindings: [binding] } }),
			});
			expect(res.status).toBe(400);
		}
	});

	it("answers 503 not_configured for secret operations when SHIPLOG_SECRETS_KEY is unset", async () => {
		await deploy("sec-nokey");
		const call = testApp({ vars: { SHIPLOG_SECRETS_KEY: undefined } });
		const put = await call("/v1/workers/sec-nokey/secrets/K", {
			method: "PUT",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ value: "v" }),
		});
		expect(put.status).toBe(503);
		const error = (await json(put)).error;
		expect(error.code).toBe("not_configured");
		expect(error.message).toContain("SHIPLOG_SECRETS_KEY");
		const upload = await call("/v1/workers/sec-nokey", {
			method: "PUT",
			body: uploadForm({ metadata: { bindings: [{ name: "K", type: "secret_text", text: "v" }] } }),
		});
		expect(upload.status).toBe(503);
		const del = await call("/v1/workers/sec-nokey/secrets/K", { method: "DELETE" });
		expect(del.status).toBe(503);
		await expect(
			revealSecrets(
				// Typed as always set (worker-configuration.d.ts), but a deployment can lack it.
				{ ...env, SHIPLOG_SECRETS_KEY: undefined as unknown as string },
				{ worker: "x", bindings: [{ name: "K", type: "secret_text", secret_ref: "r" }] },
			),
		).rejects.toThrow(/SHIPLOG_SECRETS_KEY/);
		expect(await counts("sec-nokey")).toEqual({ versions: 1, deployments: 1 });
	});

	it("a rollback restores the secret values the target version was made with (forced)", async () => {
		await deploy("sec-roll");
		const { version: withOld } = await json(await putSecret("sec-roll", "K", "old-value"));
		await putSecret("sec-roll", "K", "new-value");
		const refused = await patchJson("/v1/workers/sec-roll/rollback", { version_id: withOld.id }, "POST");
		expect(refused.status).toBe(422);
		const rolled = await patchJson("/v1/workers/sec-roll/rollback", { version_id: withOld.id, force: true }, "POST");
		expect(rolled.status).toBe(201);
		const active = await json(await api("/v1/workers/sec-roll/deployments/active"));
		const serving = await versionOf("sec-roll", active.versions[0].version_id);
		expect(await revealSecrets(env, serving)).toEqual({ K: "old-value" });
	});

	it("no secret value appears in any response, log line, audit record or stored row", async () => {
		const value = "never-show-me-7f3a9c";
		const logged: string[] = [];
		for (const level of ["log", "info", "warn", "error", "debug"] as const) {
			vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
				logged.push(args.map(String).join(" "));
			});
		}
		const bodies: string[] = [];
		const keep = async (res: Response | Promise<Response>) => {
			const r = await res;
			const text = await r.text();
			bodies.push(text, JSON.stringify([...r.headers]));
			return text;
		};
		const first = JSON.parse(
			await keep(
				api("/v1/workers/sec-leak", {
					method: "PUT",
					body: uploadForm({ metadata: { bindings: [{ name: "UP", type: "secret_text", text: value }] } }),
				}),
			),
		);
		const put = JSON.parse(await keep(putSecret("sec-leak", "API", value)));
		await keep(putSecret("sec-leak", "API", `${value}-2`));
		await keep(putSecret("sec-leak", "API", `${value}-2`));
		await keep(api("/v1/workers/sec-leak/secrets"));
		await keep(api("/v1/workers/sec-leak/versions"));
		await keep(api(`/v1/workers/sec-leak/versions/${put.version.id}`));
		await keep(api("/v1/workers/sec-leak/deployments"));
		await keep(api("/v1/workers/sec-leak"));
		await keep(api(`/v1/workers/sec-leak/diff?from=${first.version.id}&to=${put.version.id}`));
		await keep(api("/v1/workers/sec-leak/rollback-candidates"));
		await keep(patchJson("/v1/workers/sec-leak/rollback", { version_id: put.version.id }, "POST"));
		await keep(patchJson("/v1/workers/sec-leak/rollback", { version_id: put.version.id, force: true }, "POST"));
		await keep(patchJson("/v1/workers/sec-leak/secrets/BAD", { value: 42 }, "PUT"));
		await keep(api("/openapi.json"));
		await auditNow({ vars: { SHIPLOG_AUDIT_SECRET_MAX_AGE_DAYS: "0" }, logTransitions: true });

		for (const text of [...bodies, ...logged]) expect(text).not.toContain(value);
		const tables = await env.DB.prepare(
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'",
		).all<{ name: string }>();
		for (const { name } of tables.results) {
			if (name.startsWith("sqlite_")) continue;
			const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
			expect(JSON.stringify(rows.results), `table ${name}`).not.toContain(value);
		}
		const objects = await env.MODULES.list();
		for (const o of objects.objects) expect(await (await env.MODULES.get(o.key))?.text()).not.toContain(value);
	});
});

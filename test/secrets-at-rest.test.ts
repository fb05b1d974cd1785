import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, deploy, json, uploadForm } from "./helpers";

const TEXT_SECRET = "plain-secret-value-7f3a91";
const KEY_MATERIAL = btoa("hmac-key-material-c0ffee-1234567890");
const JWK_SECRET = "jwk-secret-k-value-99ab";
const PUT_SECRET = "put-secret-value-5e2d";

/** Every row of every D1 table, and every R2 object, as text: where secret material must never appear. */
async function everythingStored(): Promise<string> {
	const { results: tables } = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
	).all<{ name: string }>();
	const parts: string[] = [];
	for (const { name } of tables) {
		const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
		parts.push(`${name}: ${JSON.stringify(results)}`);
	}
	let cursor: string | undefined;
	do {
		const page = await env.MODULES.list({ cursor });
		for (const object of page.objects)
			parts.push(`${object.key}: ${await (await env.MODULES.get(object.key))?.text()}`);
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
	return parts.join("\n");
}

describe("secret material at rest", () => {
	it("no D1 table and no R2 object holds a secret value or key material after uploads and puts", async () => {
		const res = await api("/v1/workers/at-rest", {
			method: "PUT",
			headers: { "idempotency-key": "upload-with-secrets" },
			body: uploadForm({
				metadata: {
					bindings: [
						{ name: "TEXT", type: "secret_text", text: TEXT_SECRET },
						{
							name: "HMAC",
							type: "secret_key",
							algorithm: { name: "HMAC", hash: "SHA-256" },
							format: "raw",
							key_base64: KEY_MATERIAL,
							usages: ["sign"],
						},
						{
							name: "JWK",
							type: "secret_key",
							algorithm: { name: "HMAC", hash: "SHA-256" },
							format: "jwk",
							key_jwk: { kty: "oct", k: JWK_SECRET },
						},
					],
				},
			}),
		});
		expect(res.status).toBe(201);
		const put = await api("/v1/workers/at-rest/secrets/PUT", {
			method: "PUT",
			headers: { "idempotency-key": "put-secret" },
			body: JSON.stringify({ value: PUT_SECRET }),
		});
		expect(put.status).toBe(201);

		const stored = await everythingStored();
		expect(stored).toContain("secret_values"); // the scan did read the tables
		for (const secret of [TEXT_SECRET, KEY_MATERIAL, JWK_SECRET, PUT_SECRET]) expect(stored).not.toContain(secret);

		// Nor do responses show them: the version keeps the key's shape, not its material.
		const { version } = await json(res);
		const shown = await json(await api(`/v1/workers/at-rest/versions/${version.id}`));
		const hmac = shown.bindings.find((b: { name: string }) => b.name === "HMAC");
		expect(hmac).toMatchObject({ type: "secret_key", format: "raw", usages: ["sign"] });
		expect(JSON.stringify(shown)).not.toContain(KEY_MATERIAL);
		expect(JSON.stringify(shown)).not.toContain("secret_ref");
	});

	it("a secret_key without its material, or with both kinds, is a 400 that says what to send", async () => {
		const res = await api("/v1/workers/at-rest-bad", {
			method: "PUT",
			body: uploadForm({
				metadata: { bindings: [{ name: "K", type: "secret_key", algorithm: { name: "HMAC" }, format: "raw" }] },
			}),
		});
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain("key_base64 or key_jwk");
	});
});

describe("one rule for secret names", () => {
	it("the Cloudflare-compatible API refuses a name /v1 could not address", async () => {
		await deploy("names");
		const res = await api(`/client/v4/accounts/${env.SHIPLOG_ACCOUNT_ID}/workers/scripts/names/secrets`, {
			method: "PUT",
			body: JSON.stringify({ name: "BAD\nNAME", text: "v", type: "secret_text" }),
		});
		expect(res.status).toBe(400);
		expect((await json(res)).errors[0].message).toContain("JavaScript identifier");
		const names = await json(await api("/v1/workers/names/secrets"));
		expect(names.items).toEqual([]);
	});
});

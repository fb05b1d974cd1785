import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, uploadForm, workerSource } from "./helpers";

/** Generated requests per property; together over 5,000 per run, within a bounded time. */
const RUNS = 1000;
const TIME_LIMIT_MS = 60_000;

async function snapshot() {
	return env.DB.prepare(
		`SELECT (SELECT count(*) FROM workers) AS workers, (SELECT count(*) FROM versions) AS versions,
		        (SELECT count(*) FROM deployments) AS deployments, (SELECT count(*) FROM idempotency_keys) AS keys,
		        (SELECT count(*) FROM secret_values) AS secret_values,
		        (SELECT count(*) || ':' || count(deleted_on) FROM resources) AS resources,
		        (SELECT group_concat(active_deployment_id) FROM workers) AS pointers`,
	).first();
}

/** Never a 5xx; and a 4xx leaves the log exactly as it was. */
async function checkResponse(res: Response, before: unknown) {
	const text = await res.text();
	if (res.status >= 500) throw new Error(`${res.status}: ${text}`);
	if (res.status >= 400) {
		const body = JSON.parse(text);
		expect(typeof body.error.code).toBe("string");
		expect(body.error.message.length).toBeGreaterThan(0);
		expect(await snapshot()).toEqual(before);
	}
}

const hostileString = fc.oneof(
	fc.string({ maxLength: 80 }),
	fc.string({ unit: "grapheme", maxLength: 40 }),
	fc.constantFrom(
		"../../etc/passwd",
		"..%2F..%2Fsecret",
		"'; DROP TABLE deployments; --",
		'" OR 1=1 --',
		"%00",
		"\u0000",
		"𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
		"a".repeat(5000),
		"CON",
		"$" + "{jndi:ldap://x}",
		"<script>alert(1)</script>",
		"-1",
		"1e309",
		"NaN",
	),
);

const segment = hostileString.map((s) => encodeURIComponent(s));
const jsonValue = fc.jsonValue({ maxDepth: 4 });

beforeAll(async () => {
	await deploy("fuzz");
});

describe("hostile and malformed requests never cause a 5xx or change state on a 4xx", () => {
	it("path parameters and query strings", { timeout: TIME_LIMIT_MS }, async () => {
		const routes = [
			(n: string) => `/v1/workers/${n}`,
			(n: string, id: string) => `/v1/workers/${n}/versions/${id}`,
			(n: string, id: string) => `/v1/workers/${n}/versions/${id}/modules/${id}`,
			(n: string, id: string) => `/v1/workers/${n}/deployments/${id}`,
			(n: string) => `/v1/workers/${n}/deployments/active`,
			(n: string, id: string) => `/v1/workers/${n}/deployments?cursor=${id}&limit=${id}`,
			(n: string, id: string) => `/v1/workers/${n}/versions?limit=${id}`,
			(_n: string, id: string) => `/v1/workers?after=${id}&limit=${id}`,
			(_n: string, id: string) => `/v1/audits/${id}`,
			(_n: string, id: string) => `/v1/audits?cursor=${id}&limit=${id}`,
			(n: string, id: string) => `/v1/findings?worker=${n}&check=${id}&severity=${id}&status=${id}&cursor=${id}`,
		];
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...routes),
				fc.oneof(segment, fc.constant("fuzz")),
				segment,
				fc.constantFrom("GET", "DELETE", "PATCH", "POST", "PUT"),
				async (route, name, id, method) => {
					const before = await snapshot();
					await checkResponse(
						await api(route(name, id), { method, body: method === "GET" ? undefined : "{}" }),
						before,
					);
				},
			),
			{ numRuns: RUNS },
		);
	});

	it("JSON bodies for deployments", { timeout: TIME_LIMIT_MS }, async () => {
		const body = fc.oneof(
			jsonValue.map((v) => JSON.stringify(v)),
			fc
				.record({
					versions: fc.oneof(
						fc.array(
							fc.record({
								version_id: fc.oneof(hostileString, fc.integer()),
								percentage: fc.oneof(fc.double(), fc.string()),
							}),
							{ maxLength: 4 },
						),
						jsonValue,
					),
					message: fc.oneof(hostileString, jsonValue),
				})
				.map((v) => JSON.stringify(v)),
			hostileString,
		);
		await fc.assert(
			fc.asyncProperty(
				body,
				fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"),
				async (text, type) => {
					const before = await snapshot();
					const res = await api("/v1/workers/fuzz/deployments", {
						method: "POST",
						body: text,
						headers: { "content-type": type },
					});
					await checkResponse(res, before);
				},
			),
			{ numRuns: RUNS },
		);
	});

	it("headers: tokens, idempotency keys, preconditions, sources", { timeout: TIME_LIMIT_MS }, async () => {
		const headerValue = fc.string({ unit: "binary-ascii", maxLength: 300 }).filter((s) => !/[\r\n\0]/.test(s));
		await fc.assert(
			fc.asyncProperty(
				fc.record(
					{
						authorization: fc.oneof(
							headerValue,
							headerValue.map((v) => `Bearer ${v}`),
						),
						"idempotency-key": headerValue,
						"if-match": headerValue,
						"shiplog-source": headerValue,
						"content-length": fc.constantFrom("0", "-1", "abc", "99999999999"),
					},
					{ requiredKeys: [] },
				),
				async (headers) => {
					const before = await snapshot();
					let res: Response;
					try {
						res = await api("/v1/workers/fuzz/deployments", {
							method: "POST",
							headers,
							body: '{"versions":[{"version_id":"none","percentage":100}]}',
							token: headers.authorization === undefined ? undefined : null,
						});
					} catch (error) {
						// The runtime itself refuses some header values before shiplog sees them.
						if (String(error).match(/header|Content-Length|invalid/i)) return;
						throw error;
					}
					await checkResponse(res, before);
				},
			),
			{ numRuns: RUNS },
		);
	});

	it("multipart uploads: metadata, part names, content types, missing and duplicated parts", {
		timeout: TIME_LIMIT_MS,
	}, async () => {
		const part = fc.record({
			name: fc.oneof(hostileString, fc.constantFrom("index.js", "metadata", "lib/a.js", "../a.js", "a//b.js")),
			type: fc.oneof(
				fc.constantFrom("application/javascript+module", "text/plain", "application/wasm", "image/png", ""),
				hostileString,
			),
			body: fc.oneof(fc.string({ maxLength: 200 }), fc.constant(workerSource("fuzz"))),
			asString: fc.boolean(),
		});
		const metadata = fc.oneof(
			jsonValue,
			fc.record(
				{
					main_module: fc.oneof(hostileString, fc.constant("index.js")),
					compatibility_date: fc.oneof(hostileString, fc.constant("2026-11-01")),
					compatibility_flags: fc.oneof(fc.array(hostileString, { maxLength: 3 }), jsonValue),
					usage_model: fc.oneof(hostileString, fc.constant("standard")),
					bindings: fc.oneof(
						fc.array(
							fc.record({
								name: hostileString,
								type: fc.oneof(hostileString, fc.constantFrom("plain_text", "kv_namespace", "inherit")),
								text: hostileString,
							}),
							{ maxLength: 3 },
						),
						jsonValue,
					),
					annotations: fc.oneof(
						fc.record({ "workers/message": hostileString, "workers/tag": hostileString }),
						jsonValue,
					),
					migrations: jsonValue,
				},
				{ requiredKeys: [] },
			),
		);
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.constant("fuzz"), fc.constant("fuzz-new"), segment),
				fc.option(metadata, { nil: undefined }),
				fc.array(part, { maxLength: 4 }),
				fc.constantFrom("PUT", "POST"),
				async (name, meta, parts, method) => {
					const form = new FormData();
					try {
						if (meta !== undefined) form.append("metadata", JSON.stringify(meta));
						for (const p of parts) {
							if (p.asString) form.append(p.name, p.body);
							else form.append(p.name, new File([p.body], p.name || "x", { type: p.type }));
						}
					} catch {
						// The client side refuses some names (e.g. a trailing backslash): nothing reaches shiplog.
						return;
					}
					const before = await snapshot();
					const path = method === "PUT" ? `/v1/workers/${name}` : `/v1/workers/${name}/versions`;
					let res: Response;
					try {
						res = await api(path, { method, body: form });
					} catch (error) {
						// The client refuses to serialise some part names (e.g. a trailing backslash).
						if (String(error).includes("Name or filename")) return;
						throw error;
					}
					await checkResponse(res, before);
				},
			),
			{ numRuns: RUNS },
		);
	});

	it("JSON bodies for settings, secrets, rollbacks, resources and diffs", { timeout: TIME_LIMIT_MS }, async () => {
		const routes: [string, (n: string, x: string) => string][] = [
			["PATCH", (n) => `/v1/workers/${n}/settings`],
			["PUT", (n, x) => `/v1/workers/${n}/secrets/${x}`],
			["DELETE", (n, x) => `/v1/workers/${n}/secrets/${x}`],
			["POST", (n) => `/v1/workers/${n}/rollback`],
			["POST", (_n, x) => `/v1/workers/fuzz/rollback?force=${x}`],
			["GET", (n, x) => `/v1/workers/${n}/diff?from=${x}&to=${x}`],
			["GET", (n) => `/v1/workers/${n}/rollback-candidates`],
			["POST", () => "/v1/resources"],
			["DELETE", (n, x) => `/v1/resources/${n}/${x}`],
			["GET", (_n, x) => `/v1/resources?type=${x}`],
		];
		const body = fc.oneof(
			jsonValue.map((v) => JSON.stringify(v)),
			fc
				.record(
					{
						vars: fc.oneof(fc.dictionary(hostileString, fc.oneof(hostileString, jsonValue), { maxKeys: 3 }), jsonValue),
						bindings: fc.oneof(
							fc.dictionary(
								hostileString,
								fc.oneof(fc.record({ type: hostileString, text: hostileString }), fc.constant(null), jsonValue),
								{ maxKeys: 3 },
							),
							jsonValue,
						),
						usage_model: fc.oneof(hostileString, fc.constant("standard")),
						compatibility_date: fc.oneof(hostileString, fc.constant("2026-11-01")),
						compatibility_flags: fc.oneof(fc.array(hostileString, { maxLength: 3 }), jsonValue),
						value: fc.oneof(hostileString, jsonValue),
						version_id: fc.oneof(hostileString, jsonValue),
						deployment_id: fc.oneof(hostileString, jsonValue),
						force: fc.oneof(fc.boolean(), jsonValue),
						message: fc.oneof(hostileString, jsonValue),
						type: fc.oneof(fc.constantFrom("kv_namespace", "r2_bucket", "queue", "d1"), hostileString),
						id: hostileString,
					},
					{ requiredKeys: [] },
				)
				.map((v) => JSON.stringify(v)),
			hostileString,
		);
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...routes),
				fc.oneof(segment, fc.constant("fuzz")),
				segment,
				body,
				async ([method, route], name, x, text) => {
					const before = await snapshot();
					const res = await api(route(name, x), { method, body: method === "GET" ? undefined : text });
					await checkResponse(res, before);
				},
			),
			{ numRuns: RUNS },
		);
	});

	it("raw bodies that claim to be multipart", { timeout: TIME_LIMIT_MS }, async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 })),
				fc.constantFrom("multipart/form-data; boundary=x", "multipart/form-data", "multipart/form-data; boundary="),
				async (body, type) => {
					const before = await snapshot();
					await checkResponse(
						await api("/v1/workers/fuzz", { method: "PUT", body, headers: { "content-type": type } }),
						before,
					);
				},
			),
			{ numRuns: 600 },
		);
	});

	it("a valid upload still works after all of that", async () => {
		const res = await api("/v1/workers/fuzz", { method: "PUT", body: uploadForm() });
		expect(res.status).toBe(201);
	});
});

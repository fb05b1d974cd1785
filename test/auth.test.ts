import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { secretsEqual } from "../src/auth/bearer";
import { testApp } from "./fixtures/app";
import { api, json, uploadForm } from "./helpers";

describe("every /v1 route needs the admin token", () => {
	it.each([
		["GET", "/v1/workers"],
		["GET", "/v1/workers/a"],
		["GET", "/v1/workers/a/versions"],
		["GET", "/v1/workers/a/deployments"],
		["GET", "/v1/workers/a/deployments/active"],
		["POST", "/v1/workers/a/deployments"],
	])("%s %s without a token is 401", async (method, path) => {
		const res = await api(path, { method, token: null });
		expect(res.status).toBe(401);
		expect((await json(res)).error).toMatchObject({ code: "unauthorized" });
	});

	it("a wrong token is 401 and stores nothing", async () => {
		const res = await api("/v1/workers/sneaky", { method: "PUT", body: uploadForm(), token: "wrong" });
		expect(res.status).toBe(401);
		const check = await api("/v1/workers/sneaky");
		expect(check.status).toBe(404);
	});

	it("a malformed Authorization header is 401", async () => {
		const res = await api("/v1/workers", { token: null, headers: { authorization: "Basic dGVzdA==" } });
		expect(res.status).toBe(401);
	});

	it("the right token is accepted", async () => {
		expect((await api("/v1/workers")).status).toBe(200);
	});

	it("refuses every request when no admin token is configured, rather than running open", async () => {
		// The real bindings, minus the token.
		const res = await testApp({ vars: { SHIPLOG_ADMIN_TOKEN: undefined } })("/v1/workers", { token: "anything" });
		expect(res.status).toBe(503);
		expect((await json(res)).error.code).toBe("not_configured");
	});

	it("compares tokens by value, whatever their lengths", async () => {
		expect(await secretsEqual("abc", "abc")).toBe(true);
		expect(await secretsEqual("abc", "abd")).toBe(false);
		expect(await secretsEqual("abc", "abcd")).toBe(false);
		expect(await secretsEqual("", "abc")).toBe(false);
	});

	it("the OpenAPI document is public and describes the routes", async () => {
		const res = await exports.default.fetch("http://shiplog.test/openapi.json");
		expect(res.status).toBe(200);
		const doc = await json(res);
		expect(doc.openapi).toBe("3.1.0");
		expect(Object.keys(doc.paths)).toEqual(
			expect.arrayContaining([
				"/v1/workers",
				"/v1/workers/{name}",
				"/v1/workers/{name}/versions",
				"/v1/workers/{name}/versions/{version_id}",
				"/v1/workers/{name}/versions/{version_id}/modules/{module}",
				"/v1/workers/{name}/deployments",
				"/v1/workers/{name}/deployments/active",
				"/v1/workers/{name}/deployments/{deployment_id}",
			]),
		);
		expect(doc.components.schemas).toHaveProperty("Deployment");
		expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
	});

	it("unknown routes are a 404 in the error format", async () => {
		const res = await api("/v1/nothing-here");
		expect(res.status).toBe(404);
		expect((await json(res)).error.code).toBe("not_found");
	});
});

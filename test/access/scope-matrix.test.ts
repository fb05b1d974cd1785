import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { cloudflare } from "../../src/api/cloudflare";
import { v1 } from "../../src/api/v1";
import { policyOf, type RoutePolicy } from "../../src/auth/route-policy";
import type { Scope } from "../../src/core/scopes";
import { createToken } from "../fixtures/tokens";
import { api, BASE, deploy, json, TOKEN } from "../helpers";

/**
 * Every route of /v1 and /client/v4 × every scope, generated from the apps' own route tables: a route
 * added without a declared scope fails here, and so does one whose guard does not do what it declares.
 */

interface Endpoint {
	prefix: "/v1" | "/client/v4";
	method: string;
	path: string;
	policy: RoutePolicy | undefined;
}

/** Groups the route table by method and path; a group is an endpoint unless it is only `use` middleware. */
function endpoints(app: { routes: { method: string; path: string; handler: unknown }[] }, prefix: Endpoint["prefix"]) {
	const groups = new Map<string, { method: string; path: string; policy: RoutePolicy | undefined }>();
	for (const route of app.routes) {
		const key = `${route.method} ${route.path}`;
		const group = groups.get(key) ?? { method: route.method, path: route.path, policy: undefined };
		group.policy ??= policyOf(route.handler);
		groups.set(key, group);
	}
	// "ALL" without a guard is middleware (app.use); every method-specific route must carry a guard.
	return [...groups.values()]
		.filter((g) => g.method !== "ALL" || g.policy !== undefined)
		.map((g): Endpoint => ({ prefix, ...g }));
}

const ROUTES = [...endpoints(v1, "/v1"), ...endpoints(cloudflare, "/client/v4")];

const WORKER = "matrix-a";
const OTHER = "matrix-b";
const ABSENT = "matrix-nowhere";
const PLACEHOLDER = "00000000-0000-4000-8000-00000000abcd";

/** A concrete URL for a route pattern: the Worker under test, and harmless values for everything else. */
function urlFor(endpoint: Endpoint, worker: string): string {
	const path = endpoint.path.replace(/\/\*$/, "/not-a-route").replace(/:([a-z_]+)(\{[^}]*\})?/g, (_, name: string) => {
		if (name === "name") return worker;
		if (name === "account_id") return env.SHIPLOG_ACCOUNT_ID;
		if (name === "module") return "index.js";
		if (name === "type") return "kv_namespace";
		if (name === "secret") return "MATRIX_SECRET";
		return PLACEHOLDER;
	});
	return `${endpoint.prefix}${path}`;
}

function send(endpoint: Endpoint, worker: string, token: string | null): Promise<Response> {
	const method = endpoint.method === "ALL" ? "GET" : endpoint.method;
	const body = ["POST", "PUT", "PATCH"].includes(method) ? "{}" : undefined;
	return api(urlFor(endpoint, worker), { method, body, token });
}

/** What holding a scope for every Worker gives: restated here from the issue, not read from the code. */
const GIVES: Record<Scope, Scope[]> = {
	read: ["read"],
	deploy: ["deploy", "rollback", "read"],
	rollback: ["rollback", "read"],
	secrets: ["secrets", "read"],
	resources: ["resources"],
	admin: ["read", "deploy", "rollback", "secrets", "resources", "admin"],
};

const HOLDERS = ["read", "deploy", "rollback", "secrets", "resources", "admin", `read:${OTHER}`] as const;

function expectedAllowed(policy: RoutePolicy, held: (typeof HOLDERS)[number]): boolean {
	if (policy.scope === null) return true;
	if (held === `read:${OTHER}`) return policy.scope === "read" && policy.on === "some";
	return GIVES[held as Scope].includes(policy.scope);
}

/** The error's code and message, in whichever envelope the surface uses. */
async function errorOf(res: Response): Promise<{ code: unknown; message: string; missing?: unknown }> {
	const body = await json(res);
	if (body.error)
		return { code: body.error.code, message: body.error.message, missing: body.error.details?.missing_scope };
	return { code: body.errors?.[0]?.code, message: body.errors?.[0]?.message ?? "" };
}

const tokens = new Map<string, string>();

beforeAll(async () => {
	await deploy(WORKER);
	await deploy(OTHER);
	for (const held of HOLDERS) tokens.set(held, (await createToken([held], `matrix-${held.replace(":", "-")}`)).token);
});

describe("the route table", () => {
	it("is found, and every route declares a scope", () => {
		expect(ROUTES.length).toBeGreaterThan(40);
		const undeclared = ROUTES.filter((r) => r.policy === undefined).map((r) => `${r.method} ${r.prefix}${r.path}`);
		expect(undeclared).toEqual([]);
	});

	it("a route that changes anything needs more than read", () => {
		const changing = ROUTES.filter((r) => !["GET", "ALL"].includes(r.method));
		expect(changing.length).toBeGreaterThan(20);
		// A link code gives a Slack user what the caller's own token already has, nothing more: any token may make one.
		const ownAccess = new Set(["POST /v1/chatops/slack/link-codes"]);
		const readable = changing.filter(
			(r) =>
				(r.policy?.scope === "read" || r.policy?.scope === null) && !ownAccess.has(`${r.method} ${r.prefix}${r.path}`),
		);
		expect(readable.map((r) => `${r.method} ${r.prefix}${r.path}`)).toEqual([]);
	});

	it("the OpenAPI document shows each /v1 route's scope, and documents no route the table lacks", async () => {
		const doc = await json(await exports.default.fetch(`${BASE}/openapi.json`));
		const table = new Map(
			ROUTES.filter((r) => r.prefix === "/v1").map((r) => [
				`${r.method.toLowerCase()} /v1${r.path.replace(/:([a-z_]+)(\{[^}]*\})?/g, "{$1}")}`,
				r.policy,
			]),
		);
		let documented = 0;
		for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
			if (!path.startsWith("/v1")) continue;
			for (const [method, operation] of Object.entries(operations)) {
				const key = `${method} ${path}`;
				expect(table.has(key), `${key} is documented but not routed`).toBe(true);
				const scope = table.get(key)?.scope;
				expect(operation.security, key).toEqual([{ bearer: scope ? [scope] : [] }]);
				documented += 1;
			}
		}
		expect(documented).toBeGreaterThan(30);
	});
});

const DECLARED = ROUTES.filter((r) => r.policy !== undefined).map(
	(r) => [`${r.method} ${r.prefix}${r.path}`, r] as const,
);

describe.each(DECLARED)("%s", (_, endpoint) => {
	const policy = endpoint.policy as RoutePolicy;

	it("is 401 without a token and with a wrong one", async () => {
		const tokens = [null, "shl_not-a-real-token", `${TOKEN}x`];
		const statuses = await Promise.all(tokens.map(async (token) => (await send(endpoint, WORKER, token)).status));
		expect(statuses).toEqual([401, 401, 401]);
	});

	it("every scope: allowed exactly when it covers the route, else a 403 that names the missing scope", async () => {
		await Promise.all(
			HOLDERS.map(async (held) => {
				const res = await send(endpoint, WORKER, tokens.get(held) ?? "");
				const text = await res.clone().text();
				if (expectedAllowed(policy, held)) {
					expect([401, 403], `${held}: ${res.status} ${text}`).not.toContain(res.status);
					return;
				}
				expect(res.status, `${held}: ${text}`).toBe(403);
				const error = await errorOf(res);
				expect(error.code, held).toBe(endpoint.prefix === "/v1" ? "forbidden" : 9109);
				expect(error.message, held).toContain(policy.scope as string);
				if (endpoint.prefix === "/v1") {
					expect(error.missing, held).toBe(policy.on === "worker" ? `${policy.scope}:${WORKER}` : policy.scope);
				}
			}),
		);
	});

	if (policy.on === "worker") {
		it("tells a token for another Worker nothing about whether this one exists", async () => {
			const token = tokens.get(`read:${OTHER}`) ?? "";
			const answers = [];
			for (const worker of [WORKER, ABSENT]) {
				const res = await send(endpoint, worker, token);
				const body = (await res.text()).replaceAll(worker, "W").replace(/"request_id":"[^"]+"/, "");
				answers.push({ status: res.status, body, etag: res.headers.get("etag") });
			}
			expect(answers[0]?.status).toBe(403);
			expect(answers[0]).toEqual(answers[1]);
		});
	}
});

describe("lists show only what the token may read", () => {
	it("GET /v1/workers with a token for one Worker lists that Worker alone", async () => {
		const res = await api("/v1/workers", { token: tokens.get(`read:${OTHER}`) ?? "" });
		expect(res.status).toBe(200);
		expect((await json(res)).items.map((w: { name: string }) => w.name)).toEqual([OTHER]);
		const all = await json(await api("/v1/workers", { token: tokens.get("read") ?? "" }));
		expect(all.items.map((w: { name: string }) => w.name)).toEqual(expect.arrayContaining([WORKER, OTHER]));
	});

	it("pages past Workers the token may not read", async () => {
		for (const n of [1, 2, 3, 4, 5]) await deploy(`matrix-page-${n}`);
		const token = (await createToken(["read:matrix-page-*"], "pager")).token;
		const seen: string[] = [];
		let after: string | null = "";
		while (after !== null) {
			const query: string = after ? `?limit=2&after=${after}` : "?limit=2";
			const page = await json(await api(`/v1/workers${query}`, { token }));
			seen.push(...page.items.map((w: { name: string }) => w.name));
			after = page.next_after;
		}
		expect(seen).toEqual(["matrix-page-1", "matrix-page-2", "matrix-page-3", "matrix-page-4", "matrix-page-5"]);
	});
});

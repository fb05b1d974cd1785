import { describe, expect, it } from "vitest";
import { authorize, type Grant, matchesWorker, type Need, parseGrant, SCOPES } from "../../src/core/scopes";

const grants = (...texts: string[]): Grant[] =>
	texts.map((t) => {
		const g = parseGrant(t);
		if ("error" in g) throw new Error(g.error);
		return g;
	});

const allowed = (held: Grant[], need: Need) => authorize(held, need).allowed;

describe("Worker patterns", () => {
	it("match all Workers, one by name, or names with a prefix", () => {
		expect(matchesWorker("*", "anything")).toBe(true);
		expect(matchesWorker("checkout", "checkout")).toBe(true);
		expect(matchesWorker("checkout", "checkout-api")).toBe(false);
		expect(matchesWorker("checkout-*", "checkout-api")).toBe(true);
		expect(matchesWorker("checkout-*", "checkout")).toBe(false);
		expect(matchesWorker("checkout-*", "payments-checkout-api")).toBe(false);
	});
});

describe("parseGrant", () => {
	it("reads scope and pattern, defaulting to every Worker", () => {
		expect(parseGrant("read")).toEqual({ scope: "read", workers: "*" });
		expect(parseGrant("deploy:checkout-*")).toEqual({ scope: "deploy", workers: "checkout-*" });
		expect(parseGrant("rollback:payments")).toEqual({ scope: "rollback", workers: "payments" });
	});

	it.each([
		["write", "not a scope"],
		["deploy:Checkout", "not a Worker pattern"],
		["deploy:check*out", "not a Worker pattern"],
		["deploy:*-api", "not a Worker pattern"],
		["deploy:a:b", "not a scope"],
		["admin:checkout", "account-wide"],
		["resources:kv-*", "account-wide"],
		["", "not a scope"],
	])("refuses %j with a sentence that says why", (text, why) => {
		const result = parseGrant(text);
		expect(result).toHaveProperty("error");
		expect((result as { error: string }).error).toContain(why);
	});
});

describe("authorize: the one decision every surface asks", () => {
	it("read lets you read and nothing else", () => {
		const held = grants("read");
		expect(allowed(held, { scope: "read", worker: "a" })).toBe(true);
		for (const scope of SCOPES.filter((s) => s !== "read")) {
			expect(allowed(held, { scope, worker: "a" }), scope).toBe(false);
		}
	});

	it("deploy includes rollback and read on the same Workers, but not secrets", () => {
		const held = grants("deploy:checkout-*");
		expect(allowed(held, { scope: "deploy", worker: "checkout-api" })).toBe(true);
		expect(allowed(held, { scope: "rollback", worker: "checkout-api" })).toBe(true);
		expect(allowed(held, { scope: "read", worker: "checkout-api" })).toBe(true);
		expect(allowed(held, { scope: "secrets", worker: "checkout-api" })).toBe(false);
		expect(allowed(held, { scope: "read", worker: "payments" })).toBe(false);
	});

	it("rollback without deploy: on-call people may roll back and read, not deploy", () => {
		const held = grants("rollback");
		expect(allowed(held, { scope: "rollback", worker: "checkout" })).toBe(true);
		expect(allowed(held, { scope: "read", worker: "checkout" })).toBe(true);
		expect(allowed(held, { scope: "deploy", worker: "checkout" })).toBe(false);
	});

	it("secrets includes read, not deploy", () => {
		const held = grants("secrets:payments");
		expect(allowed(held, { scope: "secrets", worker: "payments" })).toBe(true);
		expect(allowed(held, { scope: "read", worker: "payments" })).toBe(true);
		expect(allowed(held, { scope: "deploy", worker: "payments" })).toBe(false);
	});

	it("resources is account-wide and says nothing about Workers", () => {
		const held = grants("resources");
		expect(allowed(held, { scope: "resources", account: true })).toBe(true);
		expect(allowed(held, { scope: "read", worker: "a" })).toBe(false);
		expect(allowed(held, { scope: "read", someWorker: true })).toBe(false);
	});

	it("admin is everything", () => {
		const held = grants("admin");
		for (const scope of SCOPES) {
			expect(allowed(held, { scope, worker: "x" })).toBe(true);
			expect(allowed(held, { scope, account: true })).toBe(true);
		}
	});

	it("an account-wide need is not met by a grant for some Workers", () => {
		expect(allowed(grants("read:a"), { scope: "read", account: true })).toBe(false);
		expect(allowed(grants("read"), { scope: "read", account: true })).toBe(true);
		expect(allowed(grants("read:a"), { scope: "read", someWorker: true })).toBe(true);
	});

	it("grants add up", () => {
		const held = grants("read:a", "deploy:b-*");
		expect(allowed(held, { scope: "read", worker: "a" })).toBe(true);
		expect(allowed(held, { scope: "deploy", worker: "b-1" })).toBe(true);
		expect(allowed(held, { scope: "deploy", worker: "a" })).toBe(false);
	});

	it("a refusal names the missing scope and what the token has, and is the same whatever exists", () => {
		const decision = authorize(grants("read:a"), { scope: "deploy", worker: "b" });
		expect(decision).toMatchObject({ allowed: false, missing: "deploy:b" });
		if (decision.allowed) throw new Error("unreachable");
		expect(decision.message).toContain("deploy:b");
		expect(decision.message).toContain("read:a");
		expect(authorize(grants("read"), { scope: "admin", account: true })).toMatchObject({ missing: "admin" });
		expect(authorize([], { scope: "read", worker: "a" })).toMatchObject({ allowed: false });
	});
});

import { Hono } from "hono";
import { ApiError } from "../../src/errors/api-error";
import type { AppEnv } from "../../src/http/app-env";
import type { Outcome } from "../../src/runtime/outcome";
import { idProblem, storeName } from "../../src/runtime/resource-ids";

/**
 * Floors for the bindings' figures (bench/bindings.mjs): the same KV read and D1 query a managed Worker makes,
 * made by shiplog straight on the same store, `n` times in a row, timed here as the Worker times its own loop.
 * Mounted under /__bench in the bench Worker only, behind the admin token.
 */
export const bindingFloors = new Hono<AppEnv>()
	.get("/kv-get", async (c) => {
		const store = c.env.KV_NAMESPACES.getByName(storeName("kv_namespace", id(c.req.query("ns"), "kv_namespace")));
		const key = c.req.query("key") ?? "";
		return c.json(await timed(count(c.req.query("n")), async () => answer(await store.read(key))));
	})
	.get("/d1-query", async (c) => {
		const store = c.env.D1_DATABASES.getByName(storeName("d1", id(c.req.query("db"), "d1")));
		let i = 0;
		return c.json(
			await timed(count(c.req.query("n")), async () => {
				const statement = { sql: "SELECT value FROM items WHERE id = ?", params: [(i++ % 100) + 1] };
				return answer(await store.runStatement(statement, "objects"));
			}),
		);
	});

/** What the store answered; the error a Worker would have seen is the caller's mistake here (e.g. no table). */
function answer<T>(outcome: Outcome<T>): T {
	if (!outcome.ok) throw new ApiError("invalid_request", outcome.error.message);
	return outcome.value;
}

function id(value: string | undefined, type: "kv_namespace" | "d1"): string {
	if (!value || idProblem(type, value)) throw new ApiError("invalid_request", `Name a ${type} id shiplog can serve.`);
	return value;
}

function count(value: string | undefined): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ApiError("invalid_request", "n must be 1 to 1000.");
	return n;
}

async function timed(n: number, operation: () => Promise<unknown>): Promise<{ n: number; ms: number }> {
	const started = performance.now();
	for (let i = 0; i < n; i++) await operation();
	return { n, ms: performance.now() - started };
}

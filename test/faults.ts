import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { WorkerCoordinator } from "../src/coordinator/worker-coordinator";
import { coordinatorFor } from "../src/services/coordinator";

/**
 * How the wrapped D1 misbehaves:
 * - `lose-batch`: the batch never reaches D1 (a network error before it runs);
 * - `lose-reply`: the batch commits, then the reply is lost;
 * - `down-after-batch`: the batch commits, then D1 stops answering altogether;
 * - `down`: every call fails.
 */
export type D1Fault = "lose-batch" | "lose-reply" | "down-after-batch" | "down";

/** Real D1 behind a wrapper that injects one fault. Statements are prepared on the real database. */
export function faultyD1(real: D1Database, fault: D1Fault): D1Database {
	let down = fault === "down";
	const fail = () => {
		throw new Error("D1_ERROR: Network connection lost (injected)");
	};
	const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement =>
		new Proxy(statement, {
			get(target, prop, receiver) {
				if (prop === "bind") return (...args: unknown[]) => wrapStatement(target.bind(...args));
				if (["first", "all", "run", "raw"].includes(String(prop))) {
					return (...args: unknown[]) => {
						if (down) fail();
						return (target[prop as "first"] as (...a: unknown[]) => unknown).apply(target, args);
					};
				}
				return Reflect.get(target, prop, receiver);
			},
		});
	return new Proxy(real, {
		get(target, prop, receiver) {
			if (prop === "prepare") return (sql: string) => wrapStatement(target.prepare(sql));
			if (prop === "batch") {
				return async (statements: D1PreparedStatement[]) => {
					if (down || fault === "lose-batch") fail();
					const result = await target.batch(statements);
					if (fault === "down-after-batch") down = true;
					fail();
					return result;
				};
			}
			return Reflect.get(target, prop, receiver);
		},
	});
}

/** Points the coordinator of `worker` at a D1 with `fault` (until `restoreCoordinator` or eviction). */
export async function breakCoordinatorD1(worker: string, fault: D1Fault): Promise<void> {
	await runInDurableObject(coordinatorFor(env, worker), (instance: WorkerCoordinator) => {
		Object.defineProperty(instance, "env", { value: { ...env, DB: faultyD1(env.DB, fault) }, configurable: true });
	});
}

export async function restoreCoordinator(worker: string): Promise<void> {
	await runInDurableObject(coordinatorFor(env, worker), (instance: WorkerCoordinator) => {
		Object.defineProperty(instance, "env", { value: env, configurable: true });
	});
}

/**
 * Runs `sql` on the real D1 just before the coordinator of `worker` sends its next batch: something that
 * happens between a change's planning and its commit (once; later batches go through untouched).
 */
export async function beforeNextBatch(worker: string, sql: string): Promise<void> {
	let done = false;
	const db = new Proxy(env.DB, {
		get(target, prop, receiver) {
			if (prop === "batch") {
				return async (statements: D1PreparedStatement[]) => {
					if (!done) {
						done = true;
						await target.prepare(sql).run();
					}
					return target.batch(statements);
				};
			}
			const value = Reflect.get(target, prop, receiver);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	await runInDurableObject(coordinatorFor(env, worker), (instance: WorkerCoordinator) => {
		Object.defineProperty(instance, "env", { value: { ...env, DB: db }, configurable: true });
	});
}

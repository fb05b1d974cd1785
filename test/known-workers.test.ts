import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testApp } from "./fixtures/app";
import { deploy, json, workerSource } from "./helpers";

/** shiplog whose D1 counts the service layer's reads of a Worker's row (the coordinator keeps its own D1). */
function countingApp() {
	let workerReads = 0;
	const db = new Proxy(env.DB, {
		get(target, key) {
			if (key === "prepare") {
				return (sql: string) => {
					if (/FROM workers WHERE name = \?1$/.test(sql.trim())) workerReads += 1;
					return target.prepare(sql);
				};
			}
			const value = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { call: testApp({ vars: { DB: db } }), reads: () => workerReads };
}

const rollback = (call: ReturnType<typeof testApp>, worker: string) =>
	call(`/v1/workers/${worker}/rollback`, { method: "POST", body: JSON.stringify({}) });

describe("Workers this isolate has found", () => {
	it("are not read from D1 again before a change", async () => {
		await deploy("found", { modules: [{ name: "index.js", body: workerSource("v1") }] });
		const second = await deploy("found", { modules: [{ name: "index.js", body: workerSource("v2") }] });
		const { call, reads } = countingApp();
		expect((await rollback(call, "found")).status).toBe(201);
		const first = reads();
		expect((await rollback(call, "found")).status).toBe(201);
		const deployed = await call("/v1/workers/found/deployments", {
			method: "POST",
			body: JSON.stringify({ versions: [{ version_id: second.version.id, percentage: 100 }] }),
		});
		expect(deployed.status).toBe(201);
		expect(reads()).toBe(first);
	});

	it("never include a name that was not found: it is asked of D1 each time, and found once it exists", async () => {
		const { call, reads } = countingApp();
		for (let i = 1; i <= 2; i++) {
			const res = await rollback(call, "later");
			expect(res.status).toBe(404);
			expect((await json(res)).error.details.reason).toBe("worker_not_found");
			expect(reads()).toBe(i);
		}
		await deploy("later", { modules: [{ name: "index.js", body: workerSource("v1") }] });
		await deploy("later", { modules: [{ name: "index.js", body: workerSource("v2") }] });
		expect((await rollback(call, "later")).status).toBe(201);
		expect(reads()).toBe(3);
	});
});

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { systemDeps } from "../../src/deps/deps";
import worker from "../../src/index";
import { runManagedCrons } from "../../src/runtime/cron/run-crons";
import { deployCode, edge } from "../edge/edge-helpers";
import { api, json } from "../helpers";

const A = "/client/v4/accounts/0123456789abcdef0123456789abcdef/workers/scripts";

/** A Worker whose scheduled() records what it was called with in KV; fetch reads it back. */
const cronApp = (label: string) => `
export default {
	async scheduled(controller, env, ctx) {
		if (controller.cron === "1 0 1 1 *") throw new Error("new year fails");
		await env.KV.put("last", JSON.stringify({ label: ${JSON.stringify(label)}, cron: controller.cron, at: controller.scheduledTime }));
	},
	async fetch(request, env) { return new Response(await env.KV.get("last")); },
};`;

const kv = (namespace_id: string) => ({ name: "KV", type: "kv_namespace", namespace_id });

const putSchedules = (worker: string, crons: string[]) =>
	api(`${A}/${worker}/schedules`, { method: "PUT", body: JSON.stringify(crons.map((cron) => ({ cron }))) });

const runs = async (worker: string) => (await json(await api(`/v1/workers/${worker}/cron-runs`))).items;

describe("cron triggers of managed Workers", () => {
	it("stores the schedules wrangler uploads and refuses bad ones with a 400 naming the cron", async () => {
		await deployCode("cron-set", cronApp("one"), { bindings: [kv("cron-set")] });
		const res = await putSchedules("cron-set", ["*/7 * * * *", "0 12 * * MON"]);
		expect(res.status).toBe(200);
		expect((await json(res)).result.schedules.map((s: { cron: string }) => s.cron)).toEqual([
			"*/7 * * * *",
			"0 12 * * MON",
		]);
		const bad = await putSchedules("cron-set", ["61 * * * *"]);
		expect(bad.status).toBe(400);
		expect(JSON.stringify(await json(bad))).toContain("61");
		const shown = await json(await api(`/v1/workers/cron-set/schedules`));
		expect(shown.items.map((s: { cron: string }) => s.cron)).toEqual(["*/7 * * * *", "0 12 * * MON"]);
	});

	it("runs the active deployment's scheduled() when due, once per minute, and records each run", async () => {
		const first = await deployCode("cron-run", cronApp("one"), { bindings: [kv("cron-run")] });
		expect((await putSchedules("cron-run", ["*/5 * * * *", "1 0 1 1 *"])).status).toBe(200);

		const notDue = Date.UTC(2026, 11, 2, 10, 3, 0);
		expect(await runManagedCrons(env, { exports }, systemDeps, notDue)).toMatchObject({ ran: 0 });

		const due = Date.UTC(2026, 11, 2, 10, 5, 7);
		expect(await runManagedCrons(env, { exports }, systemDeps, due)).toEqual({ due: 1, ran: 1 });
		const minute = Date.UTC(2026, 11, 2, 10, 5, 0);
		expect(await (await edge("cron-run")).json()).toEqual({ label: "one", cron: "*/5 * * * *", at: minute });
		// The same minute again (a duplicate firing) runs nothing.
		expect(await runManagedCrons(env, { exports }, systemDeps, due + 1000)).toMatchObject({ ran: 0 });

		// A new deployment: the next run is its code.
		const second = await deployCode("cron-run", cronApp("two"), { bindings: [kv("cron-run")] });
		await runManagedCrons(env, { exports }, systemDeps, Date.UTC(2026, 11, 2, 10, 10, 0));
		expect(await (await edge("cron-run")).json()).toMatchObject({ label: "two" });

		// A handler that throws is recorded as an exception, with its message.
		await runManagedCrons(env, { exports }, systemDeps, Date.UTC(2027, 0, 1, 0, 1, 0));
		const items = await runs("cron-run");
		expect(items.map((r: any) => [r.cron, r.outcome, r.version_id, r.scheduled_time])).toEqual([
			["1 0 1 1 *", "exception", second.version.id, "2027-01-01T00:01:00.000Z"],
			["*/5 * * * *", "ok", second.version.id, "2026-12-02T10:10:00.000Z"],
			["*/5 * * * *", "ok", first.version.id, "2026-12-02T10:05:00.000Z"],
		]);
		expect(items[0].error).toContain("new year fails");
	});

	it("shiplog's own every-minute trigger drives them; a Worker without scheduled() is recorded as such", async () => {
		await deployCode("cron-none", `export default { fetch() { return new Response("no cron"); } };`);
		expect((await putSchedules("cron-none", ["* * * * *"])).status).toBe(200);
		const ctx = createExecutionContext();
		const scheduledTime = Date.UTC(2026, 11, 2, 11, 0, 0);
		await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime }), env, ctx);
		await waitOnExecutionContext(ctx);
		const [run] = await runs("cron-none");
		expect(run).toMatchObject({ cron: "* * * * *", outcome: "no_handler", scheduled_time: "2026-12-02T11:00:00.000Z" });
	});
});

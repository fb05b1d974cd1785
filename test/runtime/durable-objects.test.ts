import { describe, expect, it } from "vitest";
import { deployCode, edge } from "../edge/edge-helpers";

const counterBinding = { name: "COUNTER", type: "durable_object_namespace", class_name: "Counter" };
const createCounter = { new_tag: "v1", new_sqlite_classes: ["Counter"] };

/** A Worker with a Durable Object class: fetch, RPC, SQLite and KV storage, alarms. */
const COUNTER_APP = `
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
	constructor(ctx, env) {
		super(ctx, env);
		ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER)");
	}
	async increment(by) {
		this.ctx.storage.sql.exec("INSERT INTO hits (n) VALUES (?)", by);
		return this.ctx.storage.sql.exec("SELECT SUM(n) AS total FROM hits").one().total;
	}
	async remember(key, value) { await this.ctx.storage.put(key, value); return this.ctx.storage.get(key); }
	async recall(key) { return (await this.ctx.storage.get(key)) ?? null; }
	whoami() { return this.ctx.id.toString(); }
	fail() { throw new RangeError("counter says no"); }
	async wake(ms) { await this.ctx.storage.setAlarm(Date.now() + ms); return this.ctx.storage.getAlarm(); }
	async alarm(info) { await this.ctx.storage.put("woke", { retry: info?.retryCount ?? null }); }
	async fetch(request) {
		const total = await this.increment(1);
		return Response.json({ total, path: new URL(request.url).pathname });
	}
}
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const [, op, name, arg] = url.pathname.split("/");
		const stub = env.COUNTER.getByName(name);
		const answer = async (f) => {
			try { return Response.json({ ok: true, value: await f() }); }
			catch (e) { return Response.json({ ok: false, name: e.constructor.name, message: e.message }); }
		};
		switch (op) {
			case "inc": return answer(() => stub.increment(Number(arg ?? 1)));
			case "fetch": return stub.fetch("http://do/" + (arg ?? ""));
			case "put": return answer(() => stub.remember("k", arg));
			case "get": return answer(() => stub.recall("k"));
			case "id": return answer(async () => ({
				byName: env.COUNTER.idFromName(name).toString(),
				inside: await stub.whoami(),
				parsed: env.COUNTER.idFromString(env.COUNTER.idFromName(name).toString()).equals(env.COUNTER.idFromName(name)),
				unique: env.COUNTER.newUniqueId().toString().length,
			}));
			case "bad-id": return answer(() => env.COUNTER.idFromString("nope"));
			case "fail": return answer(() => stub.fail());
			case "reserved": return answer(() => stub.__shiplogAlarm({}));
			case "wake": return answer(() => stub.wake(Number(arg)));
			case "woke": return answer(() => stub.recall("woke"));
			default: return new Response("?", { status: 404 });
		}
	},
};`;

async function call(worker: string, path: string): Promise<any> {
	const res = await edge(worker, path);
	expect(res.status, await res.clone().text()).toBe(200);
	return res.json();
}

describe("Durable Objects in managed Workers", () => {
	it("RPC, fetch, SQLite and KV storage, one object per name", async () => {
		await deployCode("do-basic", COUNTER_APP, { bindings: [counterBinding], migrations: createCounter });
		expect(await call("do-basic", "/inc/a/2")).toEqual({ ok: true, value: 2 });
		expect(await call("do-basic", "/inc/a/3")).toEqual({ ok: true, value: 5 });
		expect(await call("do-basic", "/inc/b/1")).toEqual({ ok: true, value: 1 });
		expect(await call("do-basic", "/fetch/a/x")).toEqual({ total: 6, path: "/x" });
		expect(await call("do-basic", "/put/a/hello")).toEqual({ ok: true, value: "hello" });
		expect(await call("do-basic", "/get/a")).toEqual({ ok: true, value: "hello" });
		expect(await call("do-basic", "/get/b")).toEqual({ ok: true, value: null });
	});

	it("ids: idFromName is stable and is the object's own id; idFromString checks its input", async () => {
		await deployCode("do-ids", COUNTER_APP, { bindings: [counterBinding], migrations: createCounter });
		const { value } = await call("do-ids", "/id/room");
		expect(value.byName).toMatch(/^[0-9a-f]{64}$/);
		expect(value.inside).toBe(value.byName);
		expect(value.parsed).toBe(true);
		expect(value.unique).toBe(64);
		expect(await call("do-ids", "/bad-id/x")).toMatchObject({ ok: false, name: "TypeError" });
	});

	it("an error thrown by the object reaches the caller with its class; reserved methods are refused", async () => {
		await deployCode("do-errors", COUNTER_APP, { bindings: [counterBinding], migrations: createCounter });
		expect(await call("do-errors", "/fail/x")).toEqual({ ok: false, name: "RangeError", message: "counter says no" });
		expect(await call("do-errors", "/reserved/x")).toMatchObject({ ok: false, name: "TypeError" });
	});

	it("alarms: set through the supervisor, run the object's alarm()", async () => {
		await deployCode("do-alarm", COUNTER_APP, { bindings: [counterBinding], migrations: createCounter });
		const set = await call("do-alarm", "/wake/x/50");
		expect(typeof set.value).toBe("number");
		const deadline = Date.now() + 5000;
		for (;;) {
			const woke = await call("do-alarm", "/woke/x");
			if (woke.value) {
				expect(woke.value).toEqual({ retry: 0 });
				break;
			}
			if (Date.now() > deadline) throw new Error("alarm never ran");
			await new Promise((r) => setTimeout(r, 50));
		}
	});
});

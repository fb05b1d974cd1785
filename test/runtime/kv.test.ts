import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { destroyResource, resourceUsage } from "../../src/runtime/resource-stores";
import { deployCode, edge } from "../edge/edge-helpers";
import { runScenario } from "./runtime-helpers";

const kvBinding = (namespace_id: string, name = "KV") => ({ name, type: "kv_namespace", namespace_id });

/** Every KV call a Worker makes, with the results reduced to JSON; run on a real KV and through shiplog. */
const everyKvCall = async (kv: KVNamespace) => {
	const out: Record<string, unknown> = {};
	const step = async (name: string, fn: () => Promise<unknown>) => {
		try {
			out[name] = { value: await fn() };
		} catch (error: any) {
			out[name] = { error: error.constructor.name, message: error.message };
		}
	};
	const now = Math.floor(Date.now() / 1000);
	// Expirations depend on the clock: report them in minutes from now.
	const listed = (page: any) => ({
		...page,
		keys: page.keys.map((k: any) => (k.expiration ? { ...k, expiration: Math.round((k.expiration - now) / 60) } : k)),
	});
	await step("put a string", () => kv.put("greeting", "hello"));
	await step("get text", () => kv.get("greeting"));
	await step("get text, cacheTtl accepted", () => kv.get("greeting", { cacheTtl: 60 }));
	await step("put json text", () => kv.put("config", JSON.stringify({ on: true, n: [1, 2] })));
	await step("get json", () => kv.get("config", "json"));
	await step("get json by option", () => kv.get("config", { type: "json" }));
	await step("put an ArrayBuffer", () => kv.put("buffer", new Uint8Array([1, 2, 3]).buffer));
	await step("get arrayBuffer", async () => {
		const value = await kv.get("buffer", "arrayBuffer");
		return [value instanceof ArrayBuffer, Array.from(new Uint8Array(value as ArrayBuffer))];
	});
	await step("put a view", () => kv.put("view", new Uint8Array([104, 105, 106]).subarray(1)));
	await step("get the view", () => kv.get("view"));
	await step("put a stream", () => kv.put("stream", new Response("streamed value").body as ReadableStream));
	await step("get stream", async () => {
		const value = await kv.get("stream", "stream");
		return [value instanceof ReadableStream, await new Response(value).text()];
	});
	await step("put a number", () => kv.put("number", 42 as unknown as string));
	await step("get the number", () => kv.get("number"));
	await step("put with metadata and expiration", () =>
		kv.put("p/1", "one", { metadata: { by: "test", n: 1 }, expiration: now + 7200 }),
	);
	await step("put with expirationTtl", () => kv.put("p/2", "two", { expirationTtl: 3600 }));
	await step("put plain", () => kv.put("p/3", "three"));
	await step("getWithMetadata", () => kv.getWithMetadata("p/1"));
	await step("getWithMetadata json", () => kv.getWithMetadata("config", "json"));
	await step("getWithMetadata stream", async () => {
		const { value, metadata, cacheStatus } = await kv.getWithMetadata("p/1", "stream");
		return [await new Response(value).text(), metadata, cacheStatus];
	});
	await step("getWithMetadata of a missing key", () => kv.getWithMetadata("missing"));
	await step("get a missing key", () => kv.get("missing"));
	await step("list", async () => listed(await kv.list()));
	await step("list a prefix", async () => listed(await kv.list({ prefix: "p/" })));
	await step("list in pages", async () => {
		const first = await kv.list({ prefix: "p/", limit: 2 });
		const rest = await kv.list({ prefix: "p/", cursor: (first as any).cursor });
		return [listed(first).keys, first.list_complete, typeof (first as any).cursor, listed(rest), "cursor" in rest];
	});
	await step("get many", async () => [...(await kv.get(["greeting", "missing", "number"]))]);
	await step("get many as json", async () => [...(await kv.get(["config", "missing"], "json"))]);
	await step("getWithMetadata many", async () => [...(await kv.getWithMetadata(["p/1", "p/3", "missing"]))]);
	await step("delete", () => kv.delete("p/3"));
	await step("get after delete", () => kv.get("p/3"));
	await step("delete a missing key", () => kv.delete("never-there"));
	await step("empty key", () => kv.put("", "x"));
	await step("'.' key", () => kv.get("."));
	await step("'..' key", () => kv.delete(".."));
	await step("key over 512 bytes", () => kv.put("k".repeat(513), "x"));
	await step("get a key over 512 bytes", () => kv.get("k".repeat(513)));
	await step("expirationTtl under 60", () => kv.put("x", "x", { expirationTtl: 30 }));
	await step("expirationTtl 0", () => kv.put("x", "x", { expirationTtl: 0 }));
	await step("expiration in the past", () => kv.put("x", "x", { expiration: 1000 }));
	await step("metadata over 1024 bytes", () => kv.put("x", "x", { metadata: { pad: "m".repeat(1100) } }));
	await step("an object as value", () => kv.put("x", {} as unknown as string));
	await step("unknown type", () => kv.get("greeting", "blob" as "text"));
	await step("cacheTtl under 30", () => kv.get("greeting", { cacheTtl: 5 }));
	await step("list limit over 1000", () => kv.list({ limit: 1001 }));
	await step("list prefix over 512 bytes", () => kv.list({ prefix: "p".repeat(513) }));
	await step("get many as arrayBuffer", () => kv.get(["greeting"], "arrayBuffer" as "text"));
	await step("get many as json, one is text", () => kv.get(["greeting"], "json"));
	await step("get over 100 keys", () => kv.get(Array.from({ length: 101 }, (_, i) => `k${i}`)));
	await step("get no keys", () => kv.get([]));
	await step("json of a text value", () => kv.get("greeting", "json"));
	await step("list after it all", async () => listed(await kv.list()));
	return out;
};

describe("KV in managed Workers", () => {
	it("answers every call as Workers KV does, values and errors alike", async () => {
		const native = await everyKvCall(env.NATIVE_KV);
		const managed = await runScenario("kv-every-call", everyKvCall as never, kvBinding("kv-every-call"));
		expect(managed).toEqual(JSON.parse(JSON.stringify(native)));
		// The comparison must have compared something: values and errors both.
		expect((native as any)["get json"]).toEqual({ value: { on: true, n: [1, 2] } });
		expect((native as any)["empty key"]).toMatchObject({ error: "TypeError" });
	});
});

/** A Worker that puts `?key=&value=` (POST) or gets `?key=` (GET) in its KV binding, and lists on /list. */
const kvEndpoint = `
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const key = url.searchParams.get("key");
		if (url.pathname === "/list") return Response.json((await env.KV.list()).keys.map((k) => k.name));
		if (request.method === "POST") {
			try {
				await env.KV.put(key, request.body ?? "");
				return new Response("stored", { status: 201 });
			} catch (error) {
				return new Response(error.constructor.name + ": " + error.message, { status: 400 });
			}
		}
		return new Response(await env.KV.get(key));
	},
};`;

const put = (worker: string, key: string, value: BodyInit) =>
	edge(worker, `/?key=${encodeURIComponent(key)}`, { method: "POST", body: value });
const get = async (worker: string, key: string) => (await edge(worker, `/?key=${encodeURIComponent(key)}`)).text();
const list = async (worker: string) => (await edge(worker, "/list")).json();

describe("KV namespaces are account-wide resources", () => {
	it("two Workers that bind the same namespace id see the same data", async () => {
		await deployCode("kv-writer", kvEndpoint, { bindings: [kvBinding("shared-ns")] });
		await deployCode("kv-reader", kvEndpoint, { bindings: [kvBinding("shared-ns")] });
		expect((await put("kv-writer", "note", "from the writer")).status).toBe(201);
		expect(await get("kv-reader", "note")).toBe("from the writer");
		await put("kv-reader", "reply", "from the reader");
		expect(await list("kv-writer")).toEqual(["note", "reply"]);
	});

	it("a Worker reaches only the namespaces its version binds", async () => {
		await deployCode("kv-mine", kvEndpoint, { bindings: [kvBinding("ns-mine")] });
		await deployCode("kv-theirs", kvEndpoint, { bindings: [kvBinding("ns-theirs")] });
		await put("kv-theirs", "secret", "theirs");
		expect(await get("kv-mine", "secret")).toBe("");
		expect(await list("kv-mine")).toEqual([]);
		// A key that looks like an address is just a key of the Worker's own namespace.
		await put("kv-mine", "kv_namespace:ns-theirs", "mine");
		expect(await get("kv-theirs", "kv_namespace:ns-theirs")).toBe("");
		expect(await list("kv-theirs")).toEqual(["secret"]);
	});

	it("a Worker's env holds its bindings and nothing of shiplog's", async () => {
		await deployCode(
			"kv-env",
			`export default { fetch(request, env) { return Response.json({ keys: Object.keys(env).sort(), kv: env.KV.constructor.name }); } };`,
			{ bindings: [kvBinding("ns-env"), { name: "GREETING", type: "plain_text", text: "hi" }] },
		);
		expect(await (await edge("kv-env")).json()).toEqual({ keys: ["GREETING", "KV"], kv: "KVNamespace" });
	});

	it("follows the version: a new deployment that binds another namespace reads that one", async () => {
		await deployCode("kv-moves", kvEndpoint, { bindings: [kvBinding("ns-before")] });
		await put("kv-moves", "k", "before");
		await deployCode("kv-moves", kvEndpoint, { bindings: [kvBinding("ns-after")] });
		expect(await get("kv-moves", "k")).toBe("");
		await deployCode("kv-moves", kvEndpoint, { bindings: [kvBinding("ns-before")] });
		expect(await get("kv-moves", "k")).toBe("before");
	});
});

describe("KV limits", () => {
	it("refuses a value over the size limit with KV's error, and cuts a stream off there", async () => {
		await deployCode("kv-big", kvEndpoint, { bindings: [kvBinding("ns-big")] });
		const limit = Number(env.SHIPLOG_KV_MAX_VALUE_BYTES);
		const refused = await put("kv-big", "too-big", "x".repeat(limit + 1));
		expect(refused.status).toBe(400);
		expect(await refused.text()).toBe(
			`Error: KV PUT failed: 413 Value length of ${limit + 1} exceeds limit of ${limit}.`,
		);
		// The request body reaches the binding as a stream of unknown length.
		const stream = new ReadableStream({
			pull(controller) {
				controller.enqueue(new Uint8Array(64 * 1024));
			},
		});
		const cut = await put("kv-big", "endless", stream);
		expect(await cut.text()).toMatch(/^Error: KV PUT failed: 413 Value length of \d+ exceeds limit of 3145728\.$/);
		expect(await list("kv-big")).toEqual([]);
	});

	it("keeps values larger than one stored chunk intact", async () => {
		await deployCode("kv-chunks", kvEndpoint, { bindings: [kvBinding("ns-chunks")] });
		const value = Array.from({ length: 2_600_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
		expect((await put("kv-chunks", "large", value)).status).toBe(201);
		const back = await get("kv-chunks", "large");
		expect(back.length).toBe(value.length);
		expect(back === value).toBe(true);
	});

	it("refuses writes that would grow a namespace past its storage limit, but allows ones that shrink it", async () => {
		await deployCode("kv-full", kvEndpoint, { bindings: [kvBinding("ns-full")] });
		const value = "v".repeat(2_900_000);
		expect((await put("kv-full", "a", value)).status).toBe(201);
		expect((await put("kv-full", "b", value)).status).toBe(201);
		const refused = await put("kv-full", "c", value);
		expect(refused.status).toBe(400);
		expect(await refused.text()).toMatch(/^Error: KV PUT failed: 413 Namespace storage limit of 8388608 bytes reached/);
		expect(await list("kv-full")).toEqual(["a", "b"]);
		expect((await put("kv-full", "a", "small now")).status).toBe(201);
		expect((await put("kv-full", "c", value)).status).toBe(201);
		const usage = await resourceUsage(env, "kv_namespace", "ns-full");
		expect(usage).toEqual({ bytes: 2 * (1 + 2_900_000) + 1 + 9, items: 3 });
		// Over its limit (as after the limit was lowered), a namespace still takes writes that shrink it.
		await runInDurableObject(env.KV_NAMESPACES.getByName("kv_namespace:ns-full"), (_instance, state) => {
			state.storage.sql.exec("UPDATE usage SET bytes = 20000000");
		});
		expect((await put("kv-full", "c", "smaller")).status).toBe(201);
		expect((await put("kv-full", "d", "new")).status).toBe(400);
	});
});

describe("KV data lifecycle", () => {
	it("hides expired entries from get and list, and stops counting them", async () => {
		await deployCode("kv-expiry", kvEndpoint, { bindings: [kvBinding("ns-expiry")] });
		await put("kv-expiry", "stale", "soon gone");
		await put("kv-expiry", "fresh", "stays");
		const store = env.KV_NAMESPACES.getByName("kv_namespace:ns-expiry");
		// Expiration is at least 60 s ahead; move this entry's into the past instead of waiting.
		await runInDurableObject(store, (_instance, state) => {
			state.storage.sql.exec("UPDATE entries SET expiration = 1 WHERE key = 'stale'");
		});
		expect(await list("kv-expiry")).toEqual(["fresh"]);
		expect(await get("kv-expiry", "stale")).toBe("");
		expect(await resourceUsage(env, "kv_namespace", "ns-expiry")).toEqual({ bytes: 5 + 5, items: 1 });
	});

	it("destroy deletes everything the namespace holds", async () => {
		await deployCode("kv-doomed", kvEndpoint, { bindings: [kvBinding("ns-doomed")] });
		await put("kv-doomed", "a", "1");
		await put("kv-doomed", "b", "2");
		expect(await resourceUsage(env, "kv_namespace", "ns-doomed")).toEqual({ bytes: 4, items: 2 });
		expect(await destroyResource(env, "kv_namespace", "ns-doomed")).toEqual({ done: true });
		expect(await list("kv-doomed")).toEqual([]);
		expect(await get("kv-doomed", "a")).toBe("");
		expect(await resourceUsage(env, "kv_namespace", "ns-doomed")).toEqual({ bytes: 0, items: 0 });
		// The namespace id can be used again.
		await put("kv-doomed", "c", "3");
		expect(await list("kv-doomed")).toEqual(["c"]);
	});
});

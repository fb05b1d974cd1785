import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { destroyResource, resourceUsage } from "../../src/runtime/resource-stores";
import { deployCode, edge } from "../edge/edge-helpers";
import { runScenario } from "./runtime-helpers";

const r2Binding = (bucket_name: string, name = "BUCKET") => ({ name, type: "r2_bucket", bucket_name });

/** Every R2 call a Worker makes, with the results reduced to JSON; run on a real R2 bucket and through shiplog. */
const everyR2Call = async (bucket: R2Bucket) => {
	const out: Record<string, unknown> = {};
	const step = async (name: string, fn: () => Promise<unknown>) => {
		try {
			out[name] = { value: await fn() };
		} catch (error: any) {
			out[name] = { error: error.constructor.name, message: error.message };
		}
	};
	const meta = (m: any) =>
		m && { ...m, cacheExpiry: m.cacheExpiry instanceof Date ? m.cacheExpiry.toISOString() : m.cacheExpiry };
	const shape = (o: any) =>
		o && {
			class: o.constructor.name,
			key: o.key,
			size: o.size,
			etag: o.etag,
			httpEtag: o.httpEtag,
			version: typeof o.version,
			uploaded: o.uploaded instanceof Date,
			httpMetadata: meta(o.httpMetadata),
			customMetadata: o.customMetadata,
			range: o.range,
			checksums: o.checksums.toJSON(),
			md5IsBuffer: o.checksums.md5 === undefined || o.checksums.md5 instanceof ArrayBuffer,
			storageClass: o.storageClass,
			hasBody: "body" in o,
		};
	const page = (l: any) => ({
		objects: l.objects.map(shape),
		truncated: l.truncated,
		cursor: typeof l.cursor,
		delimitedPrefixes: l.delimitedPrefixes,
	});
	const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
	const md5 = async (text: string) => hex(await crypto.subtle.digest("MD5", new TextEncoder().encode(text)));

	await step("put a string with metadata", async () =>
		shape(
			await bucket.put("a.txt", "hello r2", {
				httpMetadata: { contentType: "text/plain", cacheControl: "max-age=60", cacheExpiry: new Date(4102444800000) },
				customMetadata: { owner: "me" },
			}),
		),
	);
	await step("put an ArrayBuffer", async () =>
		shape(
			await bucket.put("b.json", new TextEncoder().encode('{"x":1}').buffer as ArrayBuffer, {
				httpMetadata: { contentType: "application/json" },
			}),
		),
	);
	await step("put a view", async () => shape(await bucket.put("dir/v.bin", new Uint8Array([0, 1, 2, 3]).subarray(1))));
	await step("put a stream of known length", async () => {
		const { readable, writable } = new FixedLengthStream(5);
		const writer = writable.getWriter();
		writer.write(new TextEncoder().encode("fixed"));
		writer.close();
		return shape(await bucket.put("dir/stream.txt", readable));
	});
	await step("put a Blob", async () => shape(await bucket.put("dir/blob.txt", new Blob(["blob body"]))));
	await step("put null", async () => shape(await bucket.put("empty", null)));
	await step("put with Headers as httpMetadata", async () =>
		shape(
			await bucket.put("h.html", "<p>hi</p>", {
				httpMetadata: new Headers({
					"content-type": "text/html",
					"content-language": "en",
					"content-disposition": "inline",
					expires: "Wed, 21 Oct 2099 07:28:00 GMT",
				}),
			}),
		),
	);
	await step("put with a matching md5", async () =>
		shape(await bucket.put("c.txt", "checked", { md5: await md5("checked") })),
	);
	await step("put with a sha256 that does not match", async () =>
		shape(await bucket.put("bad.txt", "body", { sha256: "00".repeat(32) })),
	);
	await step("put onlyIf an etag that does not match", async () =>
		shape(await bucket.put("a.txt", "replaced", { onlyIf: { etagMatches: "nope" } })),
	);
	await step("put onlyIf the current etag", async () => {
		const current = await bucket.head("c.txt");
		return shape(await bucket.put("c.txt", "checked again", { onlyIf: { etagMatches: current?.etag } }));
	});
	await step("get text", async () => {
		const object = await bucket.get("a.txt");
		const text = await object?.text();
		return { ...shape(object), text, bodyUsed: (object as R2ObjectBody).bodyUsed };
	});
	await step("get json", async () => (await bucket.get("b.json"))?.json());
	await step("get arrayBuffer", async () => [
		...new Uint8Array((await (await bucket.get("dir/v.bin"))?.arrayBuffer()) ?? []),
	]);
	await step("get bytes", async () => [...((await (await bucket.get("dir/v.bin"))?.bytes()) ?? [])]);
	await step("get blob", async () => (await (await bucket.get("dir/blob.txt"))?.blob())?.size);
	await step("get the body stream", async () => {
		const object = await bucket.get("dir/stream.txt");
		return [object?.body instanceof ReadableStream, await new Response(object?.body).text()];
	});
	await step("writeHttpMetadata", async () => {
		const headers = new Headers();
		(await bucket.get("h.html"))?.writeHttpMetadata(headers);
		return Object.fromEntries(headers);
	});
	await step("get a range", async () => {
		const object = await bucket.get("a.txt", { range: { offset: 6, length: 2 } });
		return { range: object?.range, size: object?.size, text: await object?.text() };
	});
	await step("get a suffix", async () => (await bucket.get("a.txt", { range: { suffix: 3 } }))?.text());
	await step("get a range from Headers", async () =>
		(await bucket.get("a.txt", { range: new Headers({ range: "bytes=0-4" }) }))?.text(),
	);
	await step("get onlyIf an etag that does not match", async () =>
		shape(await bucket.get("a.txt", { onlyIf: { etagMatches: "nope" } })),
	);
	await step("get onlyIf Headers If-None-Match the etag", async () => {
		const current = await bucket.head("a.txt");
		return shape(await bucket.get("a.txt", { onlyIf: new Headers({ "if-none-match": current?.httpEtag ?? "" }) }));
	});
	await step("get onlyIf uploaded before 2000", async () =>
		shape(await bucket.get("a.txt", { onlyIf: { uploadedBefore: new Date(946684800000) } })),
	);
	await step("head", async () => shape(await bucket.head("a.txt")));
	await step("head a missing key", () => bucket.head("missing"));
	await step("get a missing key", () => bucket.get("missing"));
	await step("list", async () => page(await bucket.list()));
	await step("list a prefix", async () => page(await bucket.list({ prefix: "dir/" })));
	await step("list with a delimiter", async () => page(await bucket.list({ delimiter: "/" })));
	await step("list in pages", async () => {
		const first = await bucket.list({ limit: 2 });
		const rest = await bucket.list({ cursor: (first as any).cursor });
		return [page(first), page(rest)];
	});
	await step("list including metadata", async () =>
		page(await bucket.list({ prefix: "a", include: ["httpMetadata", "customMetadata"] })),
	);
	await step("list after a key", async () => page(await bucket.list({ startAfter: "c.txt" })));
	await step("delete one", () => bucket.delete("empty"));
	await step("delete many", () => bucket.delete(["dir/v.bin", "dir/blob.txt", "missing"]));
	await step("list after deletes", async () => (await bucket.list()).objects.map((o) => o.key));
	await step("a range past the end", () => bucket.get("a.txt", { range: { offset: 100 } }));
	await step("list limit 1001", () => bucket.list({ limit: 1001 }));
	await step("a key over 1024 bytes", () => bucket.put("k".repeat(2000), "x"));
	return out;
};

describe("R2 in managed Workers", () => {
	it("answers every call as R2 does, objects and errors alike", async () => {
		const native = await everyR2Call(env.NATIVE_R2);
		const managed = await runScenario("r2-every-call", everyR2Call as never, r2Binding("r2-every-call"));
		expect(managed).toEqual(JSON.parse(JSON.stringify(native)));
	});
});

/** A Worker that puts (POST), gets (GET), deletes (DELETE) `?key=` or lists (/list) in its R2 binding. */
const r2Endpoint = `
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const key = url.searchParams.get("key");
		try {
			if (url.pathname === "/list") return Response.json((await env.BUCKET.list()).objects.map((o) => o.key));
			if (request.method === "POST") {
				const object = await env.BUCKET.put(key, request.body);
				return Response.json({ key: object.key, size: object.size }, { status: 201 });
			}
			if (request.method === "DELETE") {
				await env.BUCKET.delete(key.split(","));
				return new Response(null, { status: 204 });
			}
			const object = await env.BUCKET.get(key);
			return object ? new Response(object.body) : new Response("no such object", { status: 404 });
		} catch (error) {
			return new Response(error.constructor.name + ": " + error.message, { status: 400 });
		}
	},
};`;

const put = (worker: string, key: string, body: BodyInit) =>
	edge(worker, `/?key=${encodeURIComponent(key)}`, { method: "POST", body });
const get = (worker: string, key: string) => edge(worker, `/?key=${encodeURIComponent(key)}`);
const list = async (worker: string) => (await edge(worker, "/list")).json();

describe("R2 buckets are account-wide resources", () => {
	it("two Workers that bind the same bucket see the same objects", async () => {
		await deployCode("r2-writer", r2Endpoint, { bindings: [r2Binding("shared-bucket")] });
		await deployCode("r2-reader", r2Endpoint, { bindings: [r2Binding("shared-bucket")] });
		expect((await put("r2-writer", "photo.jpg", "jpeg bytes")).status).toBe(201);
		expect(await (await get("r2-reader", "photo.jpg")).text()).toBe("jpeg bytes");
		expect(await list("r2-reader")).toEqual(["photo.jpg"]);
	});

	it("a Worker reaches only its own bucket, even one whose name starts like another's", async () => {
		await deployCode("r2-pics", r2Endpoint, { bindings: [r2Binding("pics")] });
		await deployCode("r2-pics-2", r2Endpoint, { bindings: [r2Binding("pics-2")] });
		await put("r2-pics-2", "secret.txt", "not yours");
		await put("r2-pics", "mine.txt", "yours");
		expect(await list("r2-pics")).toEqual(["mine.txt"]);
		expect((await get("r2-pics", "secret.txt")).status).toBe(404);
		expect((await get("r2-pics", "../pics-2/secret.txt")).status).toBe(404);
		expect(await list("r2-pics-2")).toEqual(["secret.txt"]);
		// What the Worker wrote is in shiplog's DATA bucket under its bucket's prefix, nowhere else.
		const stored = await env.DATA.list({ prefix: "r2/pics" });
		expect(stored.objects.map((o) => o.key).sort()).toEqual(["r2/pics-2/secret.txt", "r2/pics/mine.txt"]);
	});
});

describe("R2 limits", () => {
	it("refuses an object over the size limit with R2's error and keeps the old one", async () => {
		await deployCode("r2-big", r2Endpoint, { bindings: [r2Binding("big-bucket")] });
		await put("r2-big", "file", "old");
		const limit = Number(env.SHIPLOG_R2_MAX_OBJECT_BYTES);
		const refused = await put("r2-big", "file", "x".repeat(limit + 1));
		expect(refused.status).toBe(400);
		expect(await refused.text()).toBe(
			"Error: put: Your proposed upload exceeds the maximum allowed object size. (100100)",
		);
		expect(await (await get("r2-big", "file")).text()).toBe("old");
		expect((await put("r2-big", "exactly", "x".repeat(limit))).status).toBe(201);
	});

	it("takes a stream of unknown length, which the Worker's request body is", async () => {
		await deployCode("r2-stream", r2Endpoint, { bindings: [r2Binding("stream-bucket")] });
		const body = new ReadableStream({
			start(controller) {
				controller.enqueue(new TextEncoder().encode("part one, "));
				controller.enqueue(new TextEncoder().encode("part two"));
				controller.close();
			},
		});
		expect(await (await put("r2-stream", "streamed", body)).json()).toEqual({ key: "streamed", size: 18 });
		expect(await (await get("r2-stream", "streamed")).text()).toBe("part one, part two");
	});

	it("refuses writes that would grow a bucket past its storage limit, counting uploads in flight", async () => {
		await deployCode("r2-full", r2Endpoint, { bindings: [r2Binding("full-bucket")] });
		const object = "x".repeat(900_000);
		// Five uploads at once into a 3 MiB bucket: at most three fit, however they interleave.
		const results = await Promise.all(["a", "b", "c", "d", "e"].map((key) => put("r2-full", key, object)));
		const stored = results.filter((r) => r.status === 201).length;
		expect(stored).toBe(3);
		const refusal = await results.find((r) => r.status === 400)?.text();
		expect(refusal).toMatch(/^Error: put: Bucket storage limit of 3145728 bytes reached/);
		expect(await resourceUsage(env, "r2_bucket", "full-bucket")).toEqual({ bytes: 2_700_000, items: 3 });
		// Overwriting with less, and deleting, make room again.
		const [first] = (await list("r2-full")) as string[];
		expect((await put("r2-full", first as string, "tiny")).status).toBe(201);
		expect((await put("r2-full", "f", object)).status).toBe(201);
		expect(await resourceUsage(env, "r2_bucket", "full-bucket")).toEqual({ bytes: 2_700_004, items: 4 });
	});

	it("keeps its ledger equal to R2 when the same key is written many times at once", async () => {
		await deployCode("r2-race", r2Endpoint, { bindings: [r2Binding("race-bucket")] });
		await Promise.all(Array.from({ length: 12 }, (_, i) => put("r2-race", "same", "y".repeat(1000 * (i + 1)))));
		const stored = await env.DATA.head("r2/race-bucket/same");
		expect(await resourceUsage(env, "r2_bucket", "race-bucket")).toEqual({ bytes: stored?.size, items: 1 });
	});

	it("says clearly that multipart uploads are not provided", async () => {
		await deployCode(
			"r2-multipart",
			`export default { async fetch(request, env) { try { await env.BUCKET.createMultipartUpload("m"); return new Response("made"); } catch (error) { return new Response(error.message); } } };`,
			{ bindings: [r2Binding("multipart-bucket")] },
		);
		expect(await (await edge("r2-multipart")).text()).toBe(
			"createMultipartUpload: multipart uploads are not supported by shiplog's R2 binding; use put().",
		);
	});
});

describe("R2 data lifecycle", () => {
	it("destroy deletes every object of the bucket and nothing of another's", async () => {
		await deployCode("r2-doomed", r2Endpoint, { bindings: [r2Binding("doomed")] });
		await deployCode("r2-spared", r2Endpoint, { bindings: [r2Binding("doomed-not")] });
		for (const key of ["a", "b/c", "d"]) await put("r2-doomed", key, key);
		await put("r2-spared", "keep", "me");
		expect(await destroyResource(env, "r2_bucket", "doomed")).toEqual({ done: true });
		expect(await list("r2-doomed")).toEqual([]);
		expect(await resourceUsage(env, "r2_bucket", "doomed")).toEqual({ bytes: 0, items: 0 });
		expect(await list("r2-spared")).toEqual(["keep"]);
		expect((await put("r2-doomed", "again", "new life")).status).toBe(201);
	});

	it("refuses writes while a destroy is still going on, which its alarm finishes", async () => {
		await deployCode("r2-destroying", r2Endpoint, { bindings: [r2Binding("destroying")] });
		await put("r2-destroying", "left", "over");
		const store = env.R2_BUCKETS.getByName("r2_bucket:destroying");
		// As a destroy too large for one call leaves it: marked, objects still there, an alarm set.
		await runInDurableObject(store, async (_instance, state) => {
			state.storage.sql.exec("UPDATE usage SET destroying = 'destroying' WHERE id = 1");
			await state.storage.setAlarm(Date.now() + 60_000);
		});
		const refused = await put("r2-destroying", "new", "x");
		expect(await refused.text()).toBe("Error: put: The specified bucket does not exist. (10006)");
		expect(await runDurableObjectAlarm(store)).toBe(true);
		expect(await list("r2-destroying")).toEqual([]);
		expect((await put("r2-destroying", "new", "x")).status).toBe(201);
	});
});

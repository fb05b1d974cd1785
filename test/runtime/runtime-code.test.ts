import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cursorFor, listQuery, prefixEnd } from "../../src/runtime/kv/kv-rules";
import { idProblem } from "../../src/runtime/resource-ids";
import { RUNTIME_MANIFEST } from "../../src/runtime/runtime-bindings";
import { withRuntime } from "../../src/runtime/runtime-code";
import { DEFAULT_LIMITS, storageLimits } from "../../src/runtime/storage-limits";

const code = (date: string, flags: string[] = []): WorkerLoaderWorkerCode => ({
	compatibilityDate: date,
	compatibilityFlags: flags,
	mainModule: "src/index.js",
	modules: { "src/index.js": { js: "export default {};" } },
	env: { GREETING: "hi", KV: "stub" },
});

describe("the runtime's part of a managed Worker's code", () => {
	it("leaves a Worker without storage bindings exactly as it is", () => {
		const plain = code("2026-11-01");
		expect(withRuntime(plain, [{ name: "GREETING", type: "plain_text", text: "hi" }])).toBe(plain);
	});

	it("adds the shim, an entry module that wraps the main module, and the manifest", () => {
		const out = withRuntime(code("2026-11-01"), [{ name: "KV", type: "kv_namespace", namespace_id: "ns" }]);
		expect(out.mainModule).toBe("~shiplog/entry.js");
		expect(Object.keys(out.modules).sort()).toEqual([
			"src/index.js",
			"~shiplog/d1.shim.js",
			"~shiplog/do.shim.js",
			"~shiplog/entry.js",
			"~shiplog/install.shim.js",
			"~shiplog/kv.shim.js",
			"~shiplog/outcome.shim.js",
			"~shiplog/queue.shim.js",
			"~shiplog/r2.shim.js",
			"~shiplog/session.shim.js",
		]);
		const entry = (out.modules["~shiplog/entry.js"] as { js: string }).js;
		expect(entry.split("\n")[0]).toBe('import "./install.shim.js";');
		expect(entry).toContain('export * from "../src/index.js";');
		expect(out.env).toEqual({ GREETING: "hi", KV: "stub", [RUNTIME_MANIFEST]: { KV: "kv_namespace" } });
		expect(out.compatibilityFlags).toEqual([]);
	});

	it("turns on JavaScript RPC for compatibility dates before it was the default", () => {
		const kv = [{ name: "KV", type: "kv_namespace" as const, namespace_id: "ns" }];
		expect(withRuntime(code("2024-04-02", ["nodejs_compat"]), kv).compatibilityFlags).toEqual(["nodejs_compat", "rpc"]);
		expect(withRuntime(code("2024-01-01", ["rpc"]), kv).compatibilityFlags).toEqual(["rpc"]);
		expect(withRuntime(code("2024-04-03"), kv).compatibilityFlags).toEqual([]);
	});

	it("ships the shim as the repository's source text", () => {
		const out = withRuntime(code("2026-11-01"), [{ name: "DB", type: "d1", id: "db" }]);
		expect((out.modules["~shiplog/d1.shim.js"] as { js: string }).js).toContain("export class D1Database");
	});
});

describe("resource ids", () => {
	it("serves Cloudflare's ids and refuses ones that could escape their place", () => {
		expect(idProblem("kv_namespace", "0f2ac74b498b48028cb68387c421e279")).toBeNull();
		expect(idProblem("d1", "6b1c0a54-3c7e-4d5e-9a43-1f1e0f3c1e2d")).toBeNull();
		expect(idProblem("r2_bucket", "my-bucket-1")).toBeNull();
		expect(idProblem("r2_bucket", "a/b")).toContain("is not a r2_bucket id");
		expect(idProblem("r2_bucket", "UPPER")).not.toBeNull();
		expect(idProblem("kv_namespace", "ns:other")).not.toBeNull();
		expect(idProblem("d1", "x".repeat(65))).not.toBeNull();
	});
});

describe("storage limits", () => {
	it("reads each limit from its var, with a safe default for a missing or invalid one", () => {
		const limits = storageLimits({
			...env,
			SHIPLOG_KV_MAX_VALUE_BYTES: "1000",
			SHIPLOG_KV_MAX_NAMESPACE_BYTES: "-5",
			SHIPLOG_R2_MAX_OBJECT_BYTES: "999999999999",
			SHIPLOG_R2_MAX_BUCKET_BYTES: "",
			SHIPLOG_D1_MAX_DATABASE_BYTES: "lots",
		});
		expect(limits).toEqual({
			kvValueBytes: 1000,
			kvNamespaceBytes: DEFAULT_LIMITS.kvNamespaceBytes,
			r2ObjectBytes: 30 * 1024 * 1024,
			r2BucketBytes: DEFAULT_LIMITS.r2BucketBytes,
			d1DatabaseBytes: DEFAULT_LIMITS.d1DatabaseBytes,
		});
	});
});

describe("KV listing", () => {
	it("bounds a prefix by the next code point, so the scan stops where the prefix ends", () => {
		expect(prefixEnd("")).toBeNull();
		expect(prefixEnd("p/")).toBe("p0");
		expect(prefixEnd("a\u007f")).toBe("a\u0080");
		expect(prefixEnd("x\ud7ff")).toBe("x\ue000");
		expect(prefixEnd("z\u{10ffff}")).toBeNull();
		for (const key of ["p/", "p/a", "p/\u{10ffff}\u{10ffff}"]) expect(key < (prefixEnd("p/") as string)).toBe(true);
	});

	it("round-trips a cursor to the key it names, and defaults the limit as KV does", () => {
		expect(listQuery({ cursor: cursorFor("ключ/1") })).toEqual({ prefix: "", limit: 1000, after: "ключ/1" });
		expect(listQuery({ limit: 0, prefix: "p" })).toMatchObject({ limit: 1000, prefix: "p" });
		expect(listQuery({ limit: 10.7 })).toMatchObject({ limit: 10 });
	});
});

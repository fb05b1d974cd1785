import { describe, expect, it } from "vitest";
import { deployCode, edge } from "../edge/edge-helpers";

const kv = (namespace_id: string) => ({ name: "KV", type: "kv_namespace", namespace_id });

describe("the runtime reaches every way a Worker reads its env", () => {
	it("a WorkerEntrypoint class as default export, through this.env and its constructor's env", async () => {
		await deployCode(
			"class-default",
			`import { WorkerEntrypoint } from "cloudflare:workers";
			export default class extends WorkerEntrypoint {
				constructor(ctx, env) { super(ctx, env); this.fromConstructor = env.KV; }
				async fetch() {
					await this.env.KV.put("k", "class default");
					return Response.json({ value: await this.fromConstructor.get("k"), kind: this.env.KV.constructor.name });
				}
			}`,
			{ bindings: [kv("ns-class")] },
		);
		expect(await (await edge("class-default")).json()).toEqual({ value: "class default", kind: "KVNamespace" });
	});

	it("env imported from cloudflare:workers, at the top level and in a handler", async () => {
		await deployCode(
			"imported-env",
			`import { env } from "cloudflare:workers";
			const atLoad = env.KV.constructor.name;
			export default {
				async fetch() {
					await env.KV.put("k", "imported");
					return Response.json({ atLoad, value: await env.KV.get("k") });
				},
			};`,
			{ bindings: [kv("ns-imported")] },
		);
		expect(await (await edge("imported-env")).json()).toEqual({ atLoad: "KVNamespace", value: "imported" });
	});

	it("a named entrypoint that another Worker's service binding targets", async () => {
		await deployCode(
			"named-target",
			`import { WorkerEntrypoint } from "cloudflare:workers";
			export class Notes extends WorkerEntrypoint {
				async fetch(request) {
					await this.env.KV.put("note", new URL(request.url).pathname);
					return new Response("noted " + (await this.env.KV.get("note")));
				}
			}
			export default { fetch() { return new Response("default"); } };`,
			{ bindings: [kv("ns-named")] },
		);
		await deployCode(
			"named-caller",
			`export default { fetch(request, env) { return env.NOTES.fetch("http://notes/hello"); } };`,
			{ bindings: [{ name: "NOTES", type: "service", service: "named-target", entrypoint: "Notes" }] },
		);
		expect(await (await edge("named-caller")).text()).toBe("noted /hello");
		expect(await (await edge("named-target")).text()).toBe("default");
	});

	it("a compatibility date from before JavaScript RPC was on by default", async () => {
		await deployCode(
			"old-date",
			`export default { async fetch(request, env) { await env.KV.put("k", "old date"); return new Response(await env.KV.get("k")); } };`,
			{ bindings: [kv("ns-old")], compatibility_date: "2023-06-01" },
		);
		expect(await (await edge("old-date")).text()).toBe("old date");
	});

	it("a Worker that exports no default and only a named entrypoint still starts", async () => {
		await deployCode(
			"no-default",
			`import { WorkerEntrypoint } from "cloudflare:workers";
			export class Only extends WorkerEntrypoint { fetch() { return new Response("only"); } }`,
			{ bindings: [kv("ns-no-default")] },
		);
		await deployCode(
			"no-default-caller",
			`export default { fetch(request, env) { return env.ONLY.fetch("http://only/"); } };`,
			{ bindings: [{ name: "ONLY", type: "service", service: "no-default", entrypoint: "Only" }] },
		);
		expect(await (await edge("no-default-caller")).text()).toBe("only");
	});
});

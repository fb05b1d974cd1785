import { describe, expect, it } from "vitest";
import { findBindingCycle } from "../../src/core/service-graph";
import { api, json, patchJson } from "../helpers";
import { deployCode, edge } from "./edge-helpers";

/** A Worker that calls its binding NEXT and answers with what came back, prefixed with its own name. */
const relay = (name: string) =>
	`export default { async fetch(req, env) { const r = await env.NEXT.fetch(req); return new Response("${name}>" + r.status + ":" + (await r.text()), { status: r.status }); } };`;
const service = (target: string) => [{ name: "NEXT", type: "service", service: target }];

describe("service-binding loops", () => {
	it("a binding cycle that can be seen is refused at upload, naming the loop", async () => {
		const self = await api("/v1/workers/loop-self", {
			method: "PUT",
			body: (await import("../helpers")).uploadForm({
				modules: [{ name: "index.js", body: relay("self") }],
				metadata: { bindings: service("loop-self") },
			}),
		});
		expect(self.status).toBe(400);
		expect((await json(self)).error.message).toContain("loop-self → loop-self");

		await deployCode("loop-a", relay("a"));
		await deployCode("loop-b", relay("b"), { bindings: service("loop-a") });
		const closing = await patchJson("/v1/workers/loop-a/settings", {
			bindings: { NEXT: { type: "service", service: "loop-b" } },
		});
		expect(closing.status).toBe(400);
		const body = await json(closing);
		expect(body.error.details).toMatchObject({ reason: "binding_cycle", cycle: ["loop-a", "loop-b", "loop-a"] });
	});

	it("a loop that could not be seen at upload is stopped at run time after a few calls, and shiplog keeps answering", async () => {
		// A rollback (which is not checked for loops) brings back a binding that closes one.
		const old = await deployCode("run-b", relay("b"), { bindings: service("run-a") });
		await deployCode("run-b", relay("b"));
		await deployCode("run-a", relay("a"), { bindings: service("run-b") });
		const back = await api("/v1/workers/run-b/rollback", {
			method: "POST",
			body: JSON.stringify({ version_id: old.version.id }),
		});
		expect(back.status).toBe(201);
		const res = await edge("run-a");
		expect(res.status).toBe(508);
		const text = await res.text();
		// a, b, a, b, … eight calls deep, then the 508 naming the limit.
		expect(text.match(/[ab]>/g)?.length).toBe(9);
		expect(text).toContain("shiplog allows 8");
		expect((await api("/v1/workers")).status).toBe(200);
	});
});

describe("findBindingCycle", () => {
	const graph: Record<string, string[]> = { a: ["b"], b: ["c", "d"], c: [], d: ["a"] };
	const targetsOf = async (w: string) => graph[w] ?? [];

	it("finds the path back to the start, and none when there is no way back", async () => {
		expect(await findBindingCycle("a", ["b"], targetsOf)).toEqual(["a", "b", "d", "a"]);
		expect(await findBindingCycle("x", ["b"], targetsOf)).toBeNull();
		expect(await findBindingCycle("c", ["c"], targetsOf)).toEqual(["c", "c"]);
	});
});

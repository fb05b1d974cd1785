import { describe, expect, it } from "vitest";
import { api, deploy, json, patchJson } from "./helpers";

describe("GET /v1/workers/:name/diff", () => {
	it("shows module changes as unified diffs, bindings and runtime changes, between versions or deployments", async () => {
		const one = await deploy("diff-a", {
			modules: [
				{ name: "index.js", body: "export default {\n  fetch() {\n    return new Response('one');\n  },\n};\n" },
				{ name: "gone.js", body: "export const x = 1;\n" },
				{ name: "data.bin", body: new Uint8Array([0, 1, 2]), type: "application/octet-stream" },
			],
			metadata: {
				bindings: [
					{ name: "GREETING", type: "plain_text", text: "hi" },
					{ name: "SECRET", type: "secret_text", text: "first-secret" },
					{ name: "SAME", type: "secret_text", text: "unchanged" },
				],
				compatibility_flags: ["nodejs_compat"],
			},
		});
		const two = await deploy("diff-a", {
			modules: [
				{ name: "index.js", body: "export default {\n  fetch() {\n    return new Response('two');\n  },\n};\n" },
				{ name: "new.js", body: "export const y = 2;\n" },
				{ name: "data.bin", body: new Uint8Array([3, 4]), type: "application/octet-stream" },
			],
			metadata: {
				bindings: [
					{ name: "SECRET", type: "secret_text", text: "second-secret" },
					{ name: "CACHE", type: "kv_namespace", namespace_id: "diff-ns" },
				],
				keep_bindings: [],
				usage_model: "unbound",
			},
		});
		const res = await api(`/v1/workers/diff-a/diff?from=${one.deployment.id}&to=${two.version.id}`);
		expect(res.status).toBe(200);
		const body = await json(res);
		expect(body.from).toEqual({ version_id: one.version.id, version_number: 1, deployment_id: one.deployment.id });
		expect(body.to).toEqual({ version_id: two.version.id, version_number: 2, deployment_id: null });
		expect(body.identical).toBe(false);
		expect(body.modules).toEqual([
			{
				name: "data.bin",
				status: "modified",
				from_content_type: "application/octet-stream",
				to_content_type: "application/octet-stream",
				diff: null,
				diff_omitted: "binary",
			},
			{
				name: "gone.js",
				status: "removed",
				from_content_type: "application/javascript+module",
				to_content_type: null,
				diff: "--- a/gone.js\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-export const x = 1;\n",
			},
			{
				name: "index.js",
				status: "modified",
				from_content_type: "application/javascript+module",
				to_content_type: "application/javascript+module",
				diff: "--- a/index.js\n+++ b/index.js\n@@ -1,5 +1,5 @@\n export default {\n   fetch() {\n-    return new Response('one');\n+    return new Response('two');\n   },\n };\n",
			},
			{
				name: "new.js",
				status: "added",
				from_content_type: null,
				to_content_type: "application/javascript+module",
				diff: "--- /dev/null\n+++ b/new.js\n@@ -0,0 +1,1 @@\n+export const y = 2;\n",
			},
		]);
		expect(body.bindings).toEqual([
			{
				name: "CACHE",
				status: "added",
				from: null,
				to: { name: "CACHE", type: "kv_namespace", namespace_id: "diff-ns" },
			},
			{ name: "GREETING", status: "removed", from: { name: "GREETING", type: "plain_text", text: "hi" }, to: null },
			{ name: "SAME", status: "removed", from: { name: "SAME", type: "secret_text" }, to: null },
			{
				name: "SECRET",
				status: "changed",
				from: { name: "SECRET", type: "secret_text" },
				to: { name: "SECRET", type: "secret_text" },
			},
		]);
		expect(body.compatibility_flags).toEqual({ added: [], removed: ["nodejs_compat"] });
		expect(body.usage_model).toEqual({ from: "standard", to: "unbound" });
		expect(body.compatibility_date).toBeNull();
		const text = JSON.stringify(body);
		expect(text).not.toContain("first-secret");
		expect(text).not.toContain("second-secret");
	});

	it("shows a secret as unchanged (absent from the diff) when only other settings changed", async () => {
		const one = await deploy("diff-secret", {
			metadata: { bindings: [{ name: "S", type: "secret_text", text: "v" }] },
		});
		const changed = await json(await patchJson("/v1/workers/diff-secret/settings", { vars: { A: "a" } }));
		const body = await json(await api(`/v1/workers/diff-secret/diff?from=${one.version.id}&to=${changed.version.id}`));
		expect(body.bindings.map((b: { name: string }) => b.name)).toEqual(["A"]);
		expect(body.modules).toEqual([]);
		const same = await json(await api(`/v1/workers/diff-secret/diff?from=${one.version.id}&to=${one.deployment.id}`));
		expect(same.identical).toBe(true);
	});

	it("answers 404 for unknown ids and 400 without both ends", async () => {
		const { version } = await deploy("diff-bad");
		expect((await api(`/v1/workers/diff-bad/diff?from=${version.id}&to=nope`)).status).toBe(404);
		expect((await api(`/v1/workers/diff-bad/diff?from=${version.id}`)).status).toBe(400);
	});

	it("says a module is too large to show instead of diffing megabytes, and still diffs the small ones", async () => {
		// About 700 KiB that differ in one line: past the per-module limit, though the change itself is small.
		const big = (tag: string) => `${Array.from({ length: 40_000 }, (_, i) => `line ${i} padding`).join("\n")}\n${tag}`;
		const small = (text: string) => `export const s = ${JSON.stringify(text)};\n`;
		const one = await deploy("diff-big", {
			modules: [
				{ name: "index.js", body: small("one") },
				{ name: "huge.js", body: big("a") },
			],
		});
		const two = await deploy("diff-big", {
			modules: [
				{ name: "index.js", body: small("two") },
				{ name: "huge.js", body: big("b") },
			],
		});
		const res = await api(`/v1/workers/diff-big/diff?from=${one.version.id}&to=${two.version.id}`);
		expect(res.status).toBe(200);
		const diff = await json(res);
		const byName = Object.fromEntries(diff.modules.map((m: { name: string }) => [m.name, m]));
		expect(byName["huge.js"]).toMatchObject({ status: "modified", diff: null, diff_omitted: "too_large" });
		expect(byName["index.js"].diff).toContain('+export const s = "two";');
	});

	it("bounds the text one diff reads: past the budget, further modules are too large to show", async () => {
		// Ten modules of about 450 KiB each, every one changed: 9 MiB of text, over the 4 MiB budget.
		const body = (i: number, tag: string) =>
			`${Array.from({ length: 25_000 }, (_, n) => `module ${i} line ${n}`).join("\n")}\n${tag}`;
		const modules = (tag: string) => [
			{ name: "index.js", body: "export default {};\n" },
			...Array.from({ length: 10 }, (_, i) => ({ name: `m${i}.js`, body: body(i, tag) })),
		];
		const one = await deploy("diff-budget", { modules: modules("a") });
		const two = await deploy("diff-budget", { modules: modules("b") });
		const diff = await json(await api(`/v1/workers/diff-budget/diff?from=${one.version.id}&to=${two.version.id}`));
		const omitted = diff.modules.filter((m: { diff_omitted?: string }) => m.diff_omitted === "too_large");
		const shown = diff.modules.filter((m: { diff: string | null }) => m.diff !== null);
		expect(omitted.length).toBeGreaterThanOrEqual(5);
		expect(shown.length).toBeGreaterThanOrEqual(4);
	});
});

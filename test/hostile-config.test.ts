import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testApp } from "./fixtures/app";
import { api, counts, deploy, json, patchJson, uploadForm } from "./helpers";

/** A value nested `depth` levels deep. */
function nested(depth: number): unknown {
	let value: unknown = "bottom";
	for (let i = 0; i < depth; i++) value = [value];
	return value;
}

describe("hostile configuration never half-lands", () => {
	it("a deeply nested vars value is a 400 that names the limit, and nothing is made", async () => {
		await deploy("deep-vars");
		const res = await patchJson("/v1/workers/deep-vars/settings", { vars: { DEEP: nested(2000) } });
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toMatch(/deeper than 32 levels/);
		expect(await counts("deep-vars")).toEqual({ versions: 1, deployments: 1 });
		// The Worker still takes changes.
		const next = await patchJson("/v1/workers/deep-vars/settings", { vars: { OK: "yes" } });
		expect(next.status).toBe(201);
	});

	it("a deeply nested json binding or annotation in an upload is refused the same way", async () => {
		const deepBinding = await api("/v1/workers/deep-up", {
			method: "PUT",
			body: uploadForm({ metadata: { bindings: [{ name: "J", type: "json", json: nested(100) }] } }),
		});
		expect(deepBinding.status).toBe(400);
		expect((await json(deepBinding)).error.message).toMatch(/deeper than 32 levels/);
		const deepAnnotation = await api("/v1/workers/deep-up", {
			method: "PUT",
			body: uploadForm({ metadata: { annotations: { "workers/message": "x", extra: nested(40) } } }),
		});
		expect(deepAnnotation.status).toBe(400);
		expect(await counts("deep-up")).toEqual({ versions: 0, deployments: 0 });
	});

	it("a JSON variable over 5 KiB is refused; so is a JSON body over 1 MiB", async () => {
		await deploy("big-vars");
		const big = await patchJson("/v1/workers/big-vars/settings", { vars: { BIG: { text: "x".repeat(6000) } } });
		expect(big.status).toBe(400);
		expect((await json(big)).error.message).toContain("5 KiB");
		const huge = await patchJson("/v1/workers/big-vars/settings", { vars: { A: "x" }, message: "y".repeat(1_100_000) });
		expect(huge.status).toBe(413);
		expect(await counts("big-vars")).toEqual({ versions: 1, deployments: 1 });
	});

	it("the Cloudflare-compatible API bounds its JSON bodies too", async () => {
		await deploy("deep-cf");
		const res = await api(`/client/v4/accounts/${env.SHIPLOG_ACCOUNT_ID}/workers/scripts/deep-cf/deployments`, {
			method: "POST",
			body: JSON.stringify({ versions: [{ version_id: "x", percentage: 100 }], annotations: { x: nested(500) } }),
		});
		expect(res.status).toBe(400);
		expect(await counts("deep-cf")).toEqual({ versions: 1, deployments: 1 });
	});

	it("a settings change meets the checks an upload meets: a binding the edge cannot run is refused", async () => {
		await deploy("settings-edge");
		const strict = testApp({ vars: { SHIPLOG_EDGE_UNSUPPORTED_BINDINGS: "refuse" } });
		const res = await strict("/v1/workers/settings-edge/settings", {
			method: "PATCH",
			body: JSON.stringify({ bindings: { AI: { type: "ai" } } }),
		});
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain("binding AI has type ai");
		expect(await counts("settings-edge")).toEqual({ versions: 1, deployments: 1 });
	});
});

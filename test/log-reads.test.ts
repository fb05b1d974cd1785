import { describe, expect, it } from "vitest";
import { api, deploy, json, uploadVersion } from "./helpers";

describe("reading the log", () => {
	it("lists Workers with their active deployment", async () => {
		await deploy("list-a");
		const { deployment } = await deploy("list-b");
		const body = await json(await api("/v1/workers"));
		const b = body.items.find((w: { name: string }) => w.name === "list-b");
		expect(b).toMatchObject({ version_count: 1, deployment_count: 1, active_deployment: { id: deployment.id } });
		expect(body.items.map((w: { name: string }) => w.name)).toEqual(
			[...body.items.map((w: { name: string }) => w.name)].sort(),
		);
	});

	it("pages Workers by name", async () => {
		for (const n of ["page-1", "page-2", "page-3"]) await deploy(n);
		const first = await json(await api("/v1/workers?limit=2&after=page-"));
		expect(first.items.map((w: { name: string }) => w.name)).toEqual(["page-1", "page-2"]);
		expect(first.next_after).toBe("page-2");
	});

	it("shows one Worker with its active deployment id as the ETag", async () => {
		const { deployment } = await deploy("detail");
		const res = await api("/v1/workers/detail");
		expect(res.status).toBe(200);
		expect(res.headers.get("etag")).toBe(`"${deployment.id}"`);
		expect((await json(res)).active_deployment.id).toBe(deployment.id);
		expect((await api("/v1/workers/nobody")).status).toBe(404);
	});

	it("lists deployments newest first, 10 by default, with a cursor for more", async () => {
		const ids: string[] = [];
		for (let i = 0; i < 12; i++)
			ids.push((await deploy("many", { metadata: { annotations: { "workers/message": `d${i}` } } })).deployment.id);
		const first = await json(await api("/v1/workers/many/deployments"));
		expect(first.items).toHaveLength(10);
		expect(first.items.map((d: { number: number }) => d.number)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
		expect(first.items[0].id).toBe(ids[11]);
		expect(first.next_cursor).toEqual(expect.any(String));
		const second = await json(await api(`/v1/workers/many/deployments?cursor=${first.next_cursor}`));
		expect(second.items.map((d: { number: number }) => d.number)).toEqual([2, 1]);
		expect(second.next_cursor).toBeNull();
	});

	it("refuses a cursor it did not issue and a limit out of range", async () => {
		await deploy("cursors");
		const bad = await api("/v1/workers/cursors/deployments?cursor=!!!");
		expect(bad.status).toBe(400);
		expect((await json(bad)).error.message).toContain("cursor");
		expect((await api("/v1/workers/cursors/deployments?limit=0")).status).toBe(400);
		expect((await api("/v1/workers/cursors/deployments?limit=101")).status).toBe(400);
		expect((await api("/v1/workers/cursors/versions?limit=abc")).status).toBe(400);
	});

	it("shows one deployment and 404s for another Worker's deployment", async () => {
		const { deployment } = await deploy("view-a");
		await deploy("view-b");
		const res = await api(`/v1/workers/view-a/deployments/${deployment.id}`);
		expect(res.status).toBe(200);
		expect(await json(res)).toMatchObject({ id: deployment.id, worker: "view-a", strategy: "percentage" });
		expect((await api(`/v1/workers/view-b/deployments/${deployment.id}`)).status).toBe(404);
	});

	it("has no active deployment for an unknown Worker", async () => {
		expect((await api("/v1/workers/ghost/deployments/active")).status).toBe(404);
		expect((await api("/v1/workers/ghost/deployments")).status).toBe(404);
		expect((await api("/v1/workers/ghost/versions")).status).toBe(404);
	});

	it("lists versions newest first and shows one with its bindings", async () => {
		await deploy("vers", { metadata: { bindings: [{ name: "KV", type: "kv_namespace", namespace_id: "abc" }] } });
		const { version } = await uploadVersion("vers");
		const list = await json(await api("/v1/workers/vers/versions"));
		expect(list.items.map((v: { number: number }) => v.number)).toEqual([2, 1]);
		const one = await json(await api(`/v1/workers/vers/versions/${list.items[1].id}`));
		expect(one.bindings).toEqual([{ name: "KV", type: "kv_namespace", namespace_id: "abc" }]);
		expect((await api(`/v1/workers/vers/versions/${version.id}x`)).status).toBe(404);
		expect((await api(`/v1/workers/vers/versions/${version.id}/modules/missing.js`)).status).toBe(404);
	});
});

describe("POST /v1/workers/:name/deployments", () => {
	it("deploys an uploaded version at 100 %", async () => {
		await deploy("promote");
		const { version } = await uploadVersion("promote", { metadata: { annotations: { "workers/tag": "rc" } } });
		const res = await api("/v1/workers/promote/deployments", {
			method: "POST",
			body: JSON.stringify({ versions: [{ version_id: version.id, percentage: 100 }], message: "go" }),
		});
		expect(res.status).toBe(201);
		const deployment = await json(res);
		expect(deployment).toMatchObject({ number: 2, triggered_by: "deployment", message: "go" });
		expect(res.headers.get("etag")).toBe(`"${deployment.id}"`);
		const active = await json(await api("/v1/workers/promote/deployments/active"));
		expect(active.versions).toEqual([{ version_id: version.id, percentage: 100 }]);
	});

	it("splits traffic between two versions", async () => {
		const { version: v1 } = await deploy("split");
		const { version: v2 } = await uploadVersion("split");
		const res = await api("/v1/workers/split/deployments", {
			method: "POST",
			body: JSON.stringify({
				versions: [
					{ version_id: v2.id, percentage: 10 },
					{ version_id: v1.id, percentage: 90 },
				],
			}),
		});
		expect(res.status).toBe(201);
	});

	it.each([
		[{ versions: [] }, "versions"],
		[{ versions: [{ version_id: "x", percentage: 50 }] }, "add up to 100"],
		[{ versions: [{ version_id: "x", percentage: 150 }] }, "percentage"],
		[{ versions: "all" }, "versions"],
		[{}, "versions"],
	])("refuses %j", async (body, message) => {
		await deploy("bad-split");
		const res = await api("/v1/workers/bad-split/deployments", { method: "POST", body: JSON.stringify(body) });
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain(message);
	});

	it("refuses a version of another Worker or one that does not exist", async () => {
		const { version: foreign } = await deploy("other-worker");
		await deploy("mine");
		const res = await api("/v1/workers/mine/deployments", {
			method: "POST",
			body: JSON.stringify({ versions: [{ version_id: foreign.id, percentage: 100 }] }),
		});
		expect(res.status).toBe(404);
		expect((await json(res)).error.message).toContain(foreign.id);
		const deployments = await json(await api("/v1/workers/mine/deployments"));
		expect(deployments.items).toHaveLength(1);
	});

	it("refuses a body that is not JSON", async () => {
		await deploy("not-json");
		const res = await api("/v1/workers/not-json/deployments", {
			method: "POST",
			body: "versions=1",
			headers: { "content-type": "text/plain" },
		});
		expect(res.status).toBe(415);
		const broken = await api("/v1/workers/not-json/deployments", { method: "POST", body: "{" });
		expect(broken.status).toBe(400);
	});
});

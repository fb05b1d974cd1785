import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectShiplog, fixtureCopy, PINNED_WRANGLER, type RunResult, type Shiplog, wranglerAgainst } from "./harness";

/**
 * The real, unmodified wrangler CLI against shiplog's Cloudflare-compatible API. Each step checks what
 * wrangler prints and what shiplog's native API (/v1) then holds. Steps build on each other, in order.
 */
const NAME = "e2e-fixture";

let shiplog: Shiplog;
let client: Awaited<ReturnType<typeof fixtureCopy>>;
let wrangler: ReturnType<typeof wranglerAgainst>;
let doClient: Awaited<ReturnType<typeof fixtureCopy>> | undefined;
const ids: Record<string, string> = {};

function succeeded(result: RunResult): string {
	expect(result.code, result.output).toBe(0);
	return result.output;
}

function versionIdIn(output: string, label: "Current Version ID" | "Worker Version ID"): string {
	const match = output.match(new RegExp(`${label}: ([0-9a-f-]{36})`));
	expect(match, output).not.toBeNull();
	return match?.[1] ?? "";
}

async function release(text: string): Promise<void> {
	const path = join(client.dir, "src", "index.js");
	const source = await readFile(path, "utf8");
	await writeFile(path, source.replace(/const RELEASE = "[^"]*";/, `const RELEASE = ${JSON.stringify(text)};`));
}

async function active() {
	const { status, body } = await shiplog.native(`/v1/workers/${NAME}/deployments/active`);
	expect(status).toBe(200);
	return body;
}

beforeAll(async () => {
	shiplog = connectShiplog(inject("shiplog"));
	client = await fixtureCopy("wrangler-worker");
	wrangler = wranglerAgainst(shiplog, client);
});

afterAll(async () => {
	await client?.remove();
	await doClient?.remove();
});

describe(`wrangler ${PINNED_WRANGLER} against shiplog`, () => {
	it("is the pinned wrangler release", async () => {
		expect(succeeded(await wrangler(["--version"])).trim()).toContain(PINNED_WRANGLER);
	});

	it("deploys v1: a version and a 100 % deployment, recorded as from wrangler", async () => {
		await release("v1");
		const output = succeeded(await wrangler(["deploy", "--message", "first release", "--tag", "v1"]));
		expect(output).toContain(`Uploaded ${NAME}`);
		ids.v1 = versionIdIn(output, "Current Version ID");
		const deployment = await active();
		expect(deployment).toMatchObject({ source: "wrangler", triggered_by: "upload", message: "first release" });
		expect(deployment.versions).toEqual([{ version_id: ids.v1, percentage: 100 }]);
		const { body: version } = await shiplog.native(`/v1/workers/${NAME}/versions/${ids.v1}`);
		expect(version).toMatchObject({ number: 1, tag: "v1", source: "wrangler" });
		expect(version.bindings).toEqual([{ name: "GREETING", type: "plain_text", text: "hello" }]);
		expect(await shiplog.edge(NAME)).toBe("hello from v1\n");
	});

	it("deploys v2 through the versions API and moves the active deployment", async () => {
		await release("v2");
		const output = succeeded(await wrangler(["deploy", "--message", "second release", "--tag", "v2"]));
		ids.v2 = versionIdIn(output, "Current Version ID");
		expect(ids.v2).not.toBe(ids.v1);
		const deployment = await active();
		expect(deployment).toMatchObject({ number: 2, source: "wrangler", message: "second release" });
		expect(deployment.versions).toEqual([{ version_id: ids.v2, percentage: 100 }]);
		expect(await shiplog.edge(NAME)).toBe("hello from v2\n");
	});

	it("lists versions and deployments, and shows one version", async () => {
		const list = succeeded(await wrangler(["versions", "list"]));
		expect(list).toContain(ids.v1);
		expect(list).toContain(ids.v2);
		expect(list).toMatch(/Source:\s+Upload/);
		const json = JSON.parse(
			succeeded(await wrangler(["versions", "list", "--json"]))
				.trim()
				.split("\n")
				.join(""),
		);
		expect(json.map((v: { id: string }) => v.id)).toEqual([ids.v1, ids.v2]);

		const view = succeeded(await wrangler(["versions", "view", ids.v1 ?? ""]));
		expect(view).toMatch(new RegExp(`Version ID:\\s+${ids.v1}`));
		expect(view).toMatch(/Tag:\s+v1/);
		expect(view).toMatch(/Message:\s+first release/);
		expect(view).toContain("Compatibility Date:   2026-11-01");
		expect(view).toContain('env.GREETING ("hello")');

		const deployments = succeeded(await wrangler(["deployments", "list"]));
		expect(deployments).toMatch(/Message:\s+first release/);
		expect(deployments).toMatch(/Message:\s+second release/);
		const status = succeeded(await wrangler(["deployments", "status"]));
		expect(status).toContain(`(100%) ${ids.v2}`);
		const { body } = await shiplog.native(`/v1/workers/${NAME}/deployments`);
		expect(body.items).toHaveLength(2);
	});

	it("rolls back to v1: a new deployment, marked as a rollback from the one it replaced", async () => {
		const before = await active();
		const output = succeeded(await wrangler(["rollback", ids.v1 ?? "", "-m", "back to v1", "-y"]));
		expect(output).toContain(`Worker Version ${ids.v1} has been deployed to 100% of traffic.`);
		const deployment = await active();
		expect(deployment).toMatchObject({
			number: 3,
			triggered_by: "rollback",
			rollback_from: before.id,
			message: "back to v1",
			source: "wrangler",
		});
		expect(deployment.versions).toEqual([{ version_id: ids.v1, percentage: 100 }]);
		expect(succeeded(await wrangler(["deployments", "status"]))).toMatch(/Source:\s+Rollback/);
		expect(await shiplog.edge(NAME)).toBe("hello from v1\n");
	});

	it("`secret put` makes a new version with the secret and deploys it; the value never comes back", async () => {
		const output = succeeded(await wrangler(["secret", "put", "API_KEY"], { stdin: "s3cr3t-e2e" }));
		expect(output).toContain("Success! Uploaded secret API_KEY");
		const deployment = await active();
		expect(deployment).toMatchObject({ number: 4, triggered_by: "secret", source: "wrangler" });
		const { body: version } = await shiplog.native(`/v1/workers/${NAME}/versions/${deployment.versions[0].version_id}`);
		expect(version.bindings).toContainEqual({ name: "API_KEY", type: "secret_text" });
		expect(JSON.stringify(version)).not.toContain("s3cr3t-e2e");
		const list = succeeded(await wrangler(["secret", "list"]));
		expect(list).toContain('"name": "API_KEY"');
		expect(list).not.toContain("s3cr3t-e2e");
	});

	it("rolls back to v2 across the secret change: refused (10220), confirmed, then forced", async () => {
		const before = await active();
		const output = succeeded(await wrangler(["rollback", ids.v2 ?? "", "-m", "back to v2", "-y"]));
		// wrangler got 10220, listed the changed secret, and retried with ?force=true.
		expect(output).toContain("API_KEY");
		expect(output).toContain(`Worker Version ${ids.v2} has been deployed to 100% of traffic.`);
		const deployment = await active();
		expect(deployment).toMatchObject({ number: before.number + 1, triggered_by: "rollback", rollback_from: before.id });
		expect(deployment.versions).toEqual([{ version_id: ids.v2, percentage: 100 }]);
		expect(await shiplog.edge(NAME)).toBe("hello from v2\n");
	});

	it("`secret put` then `secret delete`: each a new version and deployment", async () => {
		succeeded(await wrangler(["secret", "put", "TEMP"], { stdin: "temporary" }));
		const withSecret = await active();
		expect(withSecret.triggered_by).toBe("secret");
		const output = succeeded(await wrangler(["secret", "delete", "TEMP"]));
		expect(output).toContain("Success! Deleted secret TEMP");
		const without = await active();
		expect(without).toMatchObject({ number: withSecret.number + 1, triggered_by: "secret" });
		const { body: version } = await shiplog.native(`/v1/workers/${NAME}/versions/${without.versions[0].version_id}`);
		expect(version.bindings).toEqual([{ name: "GREETING", type: "plain_text", text: "hello" }]);
		expect(await shiplog.edge(NAME)).toBe("hello from v2\n");
	});

	it("uploads v3 without deploying it, then deploys v2 and v3 at 50 % each", async () => {
		const before = await active();
		await release("v3");
		const upload = succeeded(await wrangler(["versions", "upload", "--message", "candidate", "--tag", "v3"]));
		ids.v3 = versionIdIn(upload, "Worker Version ID");
		expect((await active()).id).toBe(before.id);

		const output = succeeded(
			await wrangler(["versions", "deploy", `${ids.v2}@50`, `${ids.v3}@50`, "-y", "--message", "canary"]),
		);
		expect(output).toContain(`version ${ids.v2} at 50% and version ${ids.v3} at 50%`);
		const deployment = await active();
		expect(deployment).toMatchObject({ triggered_by: "deployment", message: "canary", source: "wrangler" });
		expect(deployment.versions).toEqual([
			{ version_id: ids.v2, percentage: 50 },
			{ version_id: ids.v3, percentage: 50 },
		]);
		expect(succeeded(await wrangler(["deployments", "status"]))).toMatch(/\(50%\)/);
		expect(["hello from v2\n", "hello from v3\n"]).toContain(await shiplog.edge(NAME));
	});

	it("`versions secret put` makes a version from the latest one and leaves traffic alone", async () => {
		const before = await active();
		const output = succeeded(
			await wrangler(["versions", "secret", "put", "VSEC", "--message", "vsec"], { stdin: "vsval" }),
		);
		const id = output.match(/Created version ([0-9a-f-]{36}) with secret VSEC/)?.[1];
		expect(id, output).toBeDefined();
		const { body: version } = await shiplog.native(`/v1/workers/${NAME}/versions/${id}`);
		expect(version).toMatchObject({ triggered_by: "secret", message: "vsec", source: "wrangler" });
		expect(version.bindings).toContainEqual({ name: "VSEC", type: "secret_text" });
		expect((await active()).id).toBe(before.id);
	});
});

describe("wrangler deploy with Durable Object migrations", () => {
	const DO_NAME = "e2e-do-fixture";
	const versions = async () => (await shiplog.native(`/v1/workers/${DO_NAME}/versions`)).body.items;

	it("applies each migration once: shiplog reports the tag, so wrangler sends only new migrations", async () => {
		doClient = await fixtureCopy("wrangler-do-worker");
		const doWrangler = wranglerAgainst(shiplog, doClient);

		succeeded(await doWrangler(["deploy"]));
		expect((await versions())[0]).toMatchObject({ number: 1, migration_tag: "v1", triggered_by: "upload" });

		// Nothing pending: wrangler takes the versions API (upload, then deploy), sending no migrations.
		succeeded(await doWrangler(["deploy", "--message", "no migration"]));
		expect((await versions())[0]).toMatchObject({ number: 2, migration_tag: "v1", triggered_by: "version_upload" });

		await appendFile(
			join(doClient.dir, "wrangler.toml"),
			'\n[[migrations]]\ntag = "v2"\nnew_sqlite_classes = ["Counter2"]\n',
		);
		succeeded(await doWrangler(["deploy", "--message", "mig v2", "--tag", "m2"]));
		expect((await versions())[0]).toMatchObject({
			number: 3,
			migration_tag: "v2",
			triggered_by: "upload",
			message: "mig v2",
			tag: "m2",
		});
		const { body: deployment } = await shiplog.native(`/v1/workers/${DO_NAME}/deployments/active`);
		expect(deployment).toMatchObject({ number: 3, triggered_by: "upload", source: "wrangler" });
	});
});

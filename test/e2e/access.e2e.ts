import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectShiplog, fixtureCopy, type RunResult, type Shiplog, sleep, wranglerAgainst } from "./harness";

/**
 * Tokens and notifications end to end: the real wrangler with tokens of different scopes, and a webhook
 * receiver on loopback that shiplog (under wrangler dev) delivers to with its own fetch.
 */
const NAME = "access-e2e";

interface Delivery {
	headers: Record<string, string>;
	body: string;
}

let shiplog: Shiplog;
let client: Awaited<ReturnType<typeof fixtureCopy>>;
let server: Server;
const received: Delivery[] = [];
let hook: { id: string; secret: string };
const versions: Record<string, string> = {};

function succeeded(result: RunResult): string {
	expect(result.code, result.output).toBe(0);
	return result.output;
}

async function token(principal: string, scopes: string[]): Promise<string> {
	const { status, body } = await shiplog.native("/v1/tokens", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ principal, scopes }),
	});
	expect(status).toBe(201);
	return body.token;
}

const as = (bearer: string) => wranglerAgainst({ ...shiplog, token: bearer }, client);

beforeAll(async () => {
	shiplog = connectShiplog(inject("shiplog"));
	client = await fixtureCopy("wrangler-worker");
	// The receiver fails its first delivery, so shiplog has to retry it.
	server = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk) => {
			body += chunk;
		});
		req.on("end", () => {
			received.push({ headers: req.headers as Record<string, string>, body });
			res.statusCode = received.length === 1 ? 500 : 200;
			res.end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
	const { port } = server.address() as { port: number };
	const created = await shiplog.native("/v1/webhooks", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ url: `http://127.0.0.1:${port}/shiplog`, events: ["*"], workers: [NAME] }),
	});
	expect(created.status).toBe(201);
	hook = created.body;
});

afterAll(async () => {
	server?.close();
	await client?.remove();
});

describe("wrangler with scoped tokens", () => {
	it("a pipeline's deploy token deploys, and the deployment's author is the pipeline", async () => {
		const deployer = as(await token("ci-e2e", [`deploy:${NAME}`]));
		const output = succeeded(await deployer(["deploy", "--name", NAME, "--message", "first"]));
		versions.first = output.match(/Current Version ID: ([0-9a-f-]{36})/)?.[1] ?? "";
		succeeded(await deployer(["deploy", "--name", NAME, "--message", "second"]));
		const list = succeeded(await deployer(["deployments", "list", "--name", NAME]));
		expect(list).toMatch(/Author:\s+ci-e2e@shiplog\.local/);
	});

	it("a read-only token lists deployments and versions", async () => {
		const reader = as(await token("e2e-reader@example.com", ["read"]));
		expect(succeeded(await reader(["deployments", "list", "--name", NAME]))).toMatch(/Message:\s+second/);
		expect(succeeded(await reader(["versions", "list", "--name", NAME]))).toContain(versions.first);
	});

	it("a read-only token cannot deploy, and wrangler says why in Cloudflare's error shape", async () => {
		const before = await shiplog.native(`/v1/workers/${NAME}/deployments/active`);
		const reader = as(await token("e2e-reader@example.com", ["read"]));
		const result = await reader(["deploy", "--name", NAME]);
		expect(result.code).toBe(1);
		expect(result.output).toContain("A request to the Cloudflare API");
		expect(result.output).toContain(`it needs the deploy scope for it (deploy:${NAME}`);
		expect(result.output).toContain("[code: 9109]");
		// Not an authentication code: wrangler does not go on to ask who the token belongs to.
		expect(result.output).not.toContain("Getting User settings");
		const after = await shiplog.native(`/v1/workers/${NAME}/deployments/active`);
		expect(after.body.id).toBe(before.body.id);
		const log = await shiplog.native(`/v1/audit-log?worker=${NAME}&outcome=denied`);
		expect(log.body.items[0]).toMatchObject({
			action: "version.upload",
			status: 403,
			actor: { principal: "e2e-reader@example.com", source: "wrangler" },
		});
	});

	it("a rollback-only token rolls back with wrangler rollback", async () => {
		const oncall = as(await token("oncall@example.com", [`rollback:${NAME}`]));
		const output = succeeded(await oncall(["rollback", versions.first ?? "", "--name", NAME, "-m", "paged", "-y"]));
		expect(output).toContain(`Worker Version ${versions.first} has been deployed to 100% of traffic.`);
		const { body } = await shiplog.native(`/v1/workers/${NAME}/deployments/active`);
		expect(body).toMatchObject({ triggered_by: "rollback", message: "paged", author: { id: "oncall@example.com" } });
	});
});

describe("webhooks to a receiver on loopback", () => {
	it("arrive signed, the failed one retried, in the order things happened", async () => {
		const deadline = Date.now() + 30_000;
		while (received.length < 4 && Date.now() < deadline) await sleep(200);
		expect(received.length).toBe(4);
		const key = Buffer.from(hook.secret.replace(/^whsec_/, ""), "base64");
		for (const delivery of received) {
			const { "webhook-id": id, "webhook-timestamp": timestamp } = delivery.headers;
			const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${delivery.body}`).digest("base64");
			expect(delivery.headers["webhook-signature"]).toBe(`v1,${expected}`);
		}
		const ids = received.map((d) => d.headers["webhook-id"]);
		expect(ids[1]).toBe(ids[0]);
		expect(new Set(ids).size).toBe(3);
		const events = received.map((d) => JSON.parse(d.body));
		expect(events.map((e) => e.type)).toEqual([
			"worker.deployed",
			"worker.deployed",
			"worker.deployed",
			"worker.rolled_back",
		]);
		expect(events.map((e) => e.data.deployment.message)).toEqual(["first", "first", "second", "paged"]);
		const { body } = await shiplog.native(`/v1/webhooks/${hook.id}/deliveries`);
		const first = body.items.at(-1);
		expect(first.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
		expect(Date.parse(first.attempts[1].at) - Date.parse(first.attempts[0].at)).toBeGreaterThanOrEqual(1000);
	});
});

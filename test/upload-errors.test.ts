import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, deploy, json, uploadForm, workerSource } from "./helpers";

async function storedCounts() {
	const row = await env.DB.prepare(
		"SELECT (SELECT count(*) FROM versions) AS versions, (SELECT count(*) FROM deployments) AS deployments, (SELECT count(*) FROM workers) AS workers",
	).first();
	const objects = (await env.MODULES.list()).objects.length;
	return { ...row, objects };
}

async function expectRefused(res: Response, status: number, messagePart: string) {
	expect(res.status).toBe(status);
	const body = await json(res);
	expect(body.error.message).toContain(messagePart);
	expect(typeof body.request_id).toBe("string");
	return body;
}

describe("bad uploads get a 4xx that says what to change, and store nothing", () => {
	const put = (name: string, body: BodyInit, headers?: HeadersInit) =>
		api(`/v1/workers/${name}`, { method: "PUT", body, headers });

	it("refuses a body that is not multipart", async () => {
		const before = await storedCounts();
		await expectRefused(await put("w1", JSON.stringify({ main_module: "index.js" })), 415, "multipart/form-data");
		expect(await storedCounts()).toEqual(before);
	});

	it("refuses malformed multipart", async () => {
		const before = await storedCounts();
		const res = await put("w1", "--nope\r\ngarbage", { "content-type": "multipart/form-data; boundary=xyz" });
		await expectRefused(res, 400, "multipart");
		expect(await storedCounts()).toEqual(before);
	});

	it("refuses an upload without metadata", async () => {
		const form = new FormData();
		form.append("index.js", new File([workerSource("x")], "index.js", { type: "application/javascript+module" }));
		await expectRefused(await put("w1", form), 400, "no `metadata` part");
	});

	it("refuses metadata that is not JSON", async () => {
		const form = new FormData();
		form.append("metadata", "{not json");
		form.append("index.js", new File([workerSource("x")], "index.js", { type: "application/javascript+module" }));
		await expectRefused(await put("w1", form), 400, "not valid JSON");
	});

	it("refuses a missing main_module, naming the field", async () => {
		const form = uploadForm({ metadata: { main_module: undefined } });
		const body = await expectRefused(await put("w1", form), 400, "metadata.main_module");
		expect(body.error.code).toBe("invalid_request");
	});

	it("refuses a main_module that is not among the parts", async () => {
		const before = await storedCounts();
		await expectRefused(
			await put("w1", uploadForm({ metadata: { main_module: "worker.js" } })),
			400,
			"not among the uploaded parts",
		);
		expect(await storedCounts()).toEqual(before);
	});

	it("refuses a bad Worker name", async () => {
		await expectRefused(await put("Bad_Name", uploadForm()), 400, "Worker name");
		await expectRefused(await put("-leading", uploadForm()), 400, "Worker name");
		await expectRefused(await put("a".repeat(64), uploadForm()), 400, "Worker name");
	});

	it("refuses an unknown binding type and lists where", async () => {
		const form = uploadForm({ metadata: { bindings: [{ name: "X", type: "telepathy" }] } });
		const body = await expectRefused(await put("w1", form), 400, "metadata.bindings[0].type");
		expect(body.error.details.issues[0].path).toBe("metadata.bindings[0].type");
	});

	it("refuses a binding missing its required field", async () => {
		const form = uploadForm({ metadata: { bindings: [{ name: "KV", type: "kv_namespace" }] } });
		await expectRefused(await put("w1", form), 400, "metadata.bindings[0].namespace_id");
	});

	it("refuses two bindings with one name", async () => {
		const form = uploadForm({
			metadata: {
				bindings: [
					{ name: "A", type: "plain_text", text: "1" },
					{ name: "A", type: "plain_text", text: "2" },
				],
			},
		});
		await expectRefused(await put("w1", form), 400, "used twice");
	});

	it("refuses an upload over the size limit with 413", async () => {
		const before = await storedCounts();
		const big = new Uint8Array(10 * 1024 * 1024 + 1);
		const form = uploadForm({ modules: [{ name: "index.js", body: big }] });
		const body = await expectRefused(await put("w1", form), 413, "limit");
		expect(body.error.details.limit_bytes).toBe(10 * 1024 * 1024);
		expect(await storedCounts()).toEqual(before);
	});

	it.each([
		["2026-13-01", "not a calendar date"],
		["2026-02-30", "not a calendar date"],
		["yesterday", "YYYY-MM-DD"],
		["2999-01-01", "future"],
	])("refuses compatibility date %s", async (date, message) => {
		await expectRefused(await put("w1", uploadForm({ metadata: { compatibility_date: date } })), 400, message);
	});

	it("refuses a message over 1000 bytes and a tag over 100 bytes", async () => {
		const longMessage = uploadForm({ metadata: { annotations: { "workers/message": "é".repeat(501) } } });
		await expectRefused(await put("w1", longMessage), 400, "at most 1000 bytes");
		const longTag = uploadForm({ metadata: { annotations: { "workers/tag": "t".repeat(101) } } });
		await expectRefused(await put("w1", longTag), 400, "at most 100 bytes");
	});

	it("refuses module names that escape the bundle", async () => {
		for (const name of ["../etc/passwd", "/abs.js", "a//b.js", "a/./b.js"]) {
			const form = uploadForm({
				modules: [
					{ name: "index.js", body: workerSource("x") },
					{ name, body: "x" },
				],
			});
			await expectRefused(await put("w1", form), 400, "Module");
		}
	});

	it("refuses a module with an unsupported content type, naming the allowed ones", async () => {
		const form = uploadForm({ modules: [{ name: "index.js", body: workerSource("x"), type: "image/png" }] });
		await expectRefused(await put("w1", form), 400, "application/javascript+module");
	});

	it("refuses the same module twice", async () => {
		const form = uploadForm({
			modules: [
				{ name: "index.js", body: workerSource("x") },
				{ name: "index.js", body: workerSource("y") },
			],
		});
		await expectRefused(await put("w1", form), 400, "more than once");
	});

	it("refuses service-worker syntax with a pointer to ES modules", async () => {
		const form = uploadForm({ metadata: { main_module: undefined, body_part: "script" } });
		await expectRefused(await put("w1", form), 400, "ES module");
	});

	it("leaves an existing Worker untouched when a later upload is refused", async () => {
		const { deployment } = await deploy("intact");
		const res = await put("intact", uploadForm({ metadata: { compatibility_date: "nope" } }));
		expect(res.status).toBe(400);
		const active = await json(await api("/v1/workers/intact/deployments/active"));
		expect(active.id).toBe(deployment.id);
		const versions = await json(await api("/v1/workers/intact/versions"));
		expect(versions.items).toHaveLength(1);
	});
});

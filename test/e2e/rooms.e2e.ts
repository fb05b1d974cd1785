import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
	connectShiplog,
	fixtureCopy,
	type RunResult,
	run,
	type Shiplog,
	sleep,
	wranglerAgainst,
	wranglerEnv,
} from "./harness";

/**
 * The example application (examples/rooms: D1, KV, R2, a Durable Object with WebSockets, a queue consumer, a cron)
 * set up and deployed with the real wrangler exactly as its README says, exercised over HTTP through /w/rooms, then
 * the spec's rollback rules on its real data. Steps build on each other, in order.
 */
let shiplog: Shiplog;
let rooms: Awaited<ReturnType<typeof fixtureCopy>>;
let wrangler: ReturnType<typeof wranglerAgainst>;
const ids: Record<string, string> = {};

function succeeded(result: RunResult): string {
	expect(result.code, result.output).toBe(0);
	return result.output;
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
	return fetch(`${shiplog.url}/w/${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(500);
	}
}

async function stats(): Promise<{ queue: number; cron: number; last_cron: string | null }> {
	const res = await call("rooms/stats");
	expect(res.status).toBe(200);
	return res.json();
}

async function activeVersion(worker: string): Promise<string> {
	const { status, body } = await shiplog.native(`/v1/workers/${worker}/deployments/active`);
	expect(status).toBe(200);
	return body.versions[0].version_id;
}

async function rollback(worker: string, versionId: string, message: string) {
	return shiplog.native(`/v1/workers/${worker}/rollback`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ version_id: versionId, message }),
	});
}

beforeAll(async () => {
	shiplog = connectShiplog(inject("shiplog"));
	rooms = await fixtureCopy("rooms", "examples");
	wrangler = wranglerAgainst(shiplog, rooms);
});

afterAll(async () => {
	await rooms?.remove();
});

describe("examples/rooms on shiplog", () => {
	it("is set up with wrangler (d1 create, kv namespace create, r2 bucket create, queues create, migrations) and deployed", async () => {
		const setup = await run("node", ["setup.mjs"], {
			cwd: rooms.dir,
			env: wranglerEnv(shiplog, rooms),
			timeoutMs: 600_000,
		});
		expect(setup.code, setup.output).toBe(0);
		expect(setup.output).toContain("Uploaded rooms");
		const config = await readFile(join(rooms.dir, "wrangler.toml"), "utf8");
		ids.d1 = config.match(/database_id = "([^"]+)"/)?.[1] ?? "";
		ids.kv = config.match(/^id = "([^"]+)"/m)?.[1] ?? "";
		expect(ids.d1).not.toContain("REPLACE");
		expect(ids.kv).not.toContain("REPLACE");
		ids.v1 = await activeVersion("rooms");
	}, 600_000);

	it("keeps messages in D1 and caches them in KV", async () => {
		const posted = await call("rooms/messages/lobby", {
			method: "POST",
			body: JSON.stringify({ author: "ada", text: "hello, lobby" }),
		});
		expect(posted.status, await posted.clone().text()).toBe(201);
		const first = await call("rooms/messages/lobby");
		expect(first.headers.get("x-cache")).toBe("miss");
		expect(await first.json()).toMatchObject([{ author: "ada", text: "hello, lobby" }]);
		const second = await call("rooms/messages/lobby");
		expect(second.headers.get("x-cache")).toBe("hit");
		expect(await second.json()).toMatchObject([{ author: "ada", text: "hello, lobby" }]);
	});

	it("stores uploaded files in R2", async () => {
		const put = await call("rooms/files/notes.txt", {
			method: "PUT",
			headers: { "content-type": "text/plain" },
			body: "minutes of the meeting",
		});
		expect(put.status, await put.clone().text()).toBe(201);
		const got = await call("rooms/files/notes.txt");
		expect(got.status).toBe(200);
		expect(got.headers.get("content-type")).toBe("text/plain");
		expect(await got.text()).toBe("minutes of the meeting");
	});

	it("runs a Durable Object per room that broadcasts to WebSockets", async () => {
		const socket = new WebSocket(`${shiplog.url.replace("http", "ws")}/w/rooms/rooms/lobby/ws`);
		const received: string[] = [];
		socket.addEventListener("message", (event) => received.push(String(event.data)));
		await until("the socket to open", async () => (socket.readyState === WebSocket.OPEN ? true : undefined), 15_000);
		await until("the welcome", async () => (received.length > 0 ? true : undefined), 15_000);
		expect(JSON.parse(received[0] ?? "{}")).toMatchObject({ joined: true, broadcasts: 1 });
		socket.send("ping");
		await until("the pong", async () => (received.includes("pong") ? true : undefined), 15_000);
		await call("rooms/messages/lobby", { method: "POST", body: JSON.stringify({ author: "bo", text: "live" }) });
		await until("the broadcast", async () => (received.some((m) => m.includes('"live"')) ? true : undefined), 15_000);
		socket.close();
		const count = await call("rooms/rooms/lobby/count");
		expect(await count.json()).toEqual({ room: "lobby", broadcasts: 2 });
	});

	it("consumes its queue: two posts and an upload are processed in the background", async () => {
		const seen = await until("the queue consumer", async () => {
			const now = await stats();
			return now.queue >= 3 ? now : undefined;
		});
		expect(seen.queue).toBe(3);
	});

	it("runs its cron from the active deployment when shiplog's own schedule fires, and records the run", async () => {
		const fired = await fetch(`${shiplog.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`);
		expect(fired.status).toBe(200);
		const seen = await until("the cron run", async () => {
			const now = await stats();
			return now.cron >= 1 ? now : undefined;
		});
		expect(seen.last_cron).toMatch(/^\d{4}-\d\d-\d\dT/);
		const { status, body } = await shiplog.native("/v1/workers/rooms/cron-runs");
		expect(status).toBe(200);
		expect(JSON.stringify(body)).toContain(ids.v1 ?? "missing");
	});

	it("refuses a rollback to a version that binds D1, by default", async () => {
		const index = join(rooms.dir, "src", "index.js");
		await writeFile(index, `${await readFile(index, "utf8")}\n// release 2\n`);
		succeeded(await wrangler(["deploy", "--message", "release 2"]));
		const refused = await rollback("rooms", ids.v1 ?? "", "back to the first release");
		expect(refused.status).toBe(422);
		expect(JSON.stringify(refused.body)).toContain("d1_binding");
	});

	it("a rollback leaves every bound resource's data as it was, and says so", async () => {
		// A second Worker binding rooms' R2 bucket and a KV namespace of its own (no D1, so it may roll back).
		const reader = join(rooms.dir, "reader");
		await mkdir(join(reader, "src"), { recursive: true });
		succeeded(await wrangler(["kv", "namespace", "create", "reader-notes"]));
		const list = succeeded(await wrangler(["kv", "namespace", "list"]));
		const entries: { id: string; title: string }[] = JSON.parse(list.slice(list.indexOf("[")));
		ids.readerKv = entries.find((ns) => ns.title === "reader-notes")?.id ?? "";
		succeeded(await wrangler(["kv", "key", "put", "motto", "keep calm", "--namespace-id", ids.readerKv, "--remote"]));
		const config = (kv: boolean) =>
			[
				'name = "rooms-reader"',
				'main = "src/index.js"',
				'compatibility_date = "2026-11-01"',
				kv ? `[[kv_namespaces]]\nbinding = "NOTES"\nid = "${ids.readerKv}"` : "",
				'[[r2_buckets]]\nbinding = "FILES"\nbucket_name = "rooms-files"',
			].join("\n");
		const source = (release: string) =>
			`export default { async fetch(request, env) {
				const file = await env.FILES.get("notes.txt");
				const motto = env.NOTES ? await env.NOTES.get("motto") : null;
				return Response.json({ release: ${JSON.stringify(release)}, file: file && (await file.text()), motto });
			} };\n`;
		const deploy = async (release: string, kv: boolean) => {
			await writeFile(join(reader, "wrangler.toml"), config(kv));
			await writeFile(join(reader, "src", "index.js"), source(release));
			succeeded(await wrangler(["deploy", "-c", join(reader, "wrangler.toml"), "--message", release]));
			return activeVersion("rooms-reader");
		};
		ids.reader1 = await deploy("one", true);
		await deploy("two", true);

		const done = await rollback("rooms-reader", ids.reader1, "back to one");
		expect(done.status, JSON.stringify(done.body)).toBe(201);
		expect(done.body.bound_resources_changed).toBe(false);
		expect(done.body.warning).toContain("were not changed by this rollback");
		const served = await call("rooms-reader/");
		expect(await served.json()).toEqual({ release: "one", file: "minutes of the meeting", motto: "keep calm" });
		const messages = await call("rooms/messages/lobby");
		expect((await messages.json()).map((m: { text: string }) => m.text)).toEqual(["live", "hello, lobby"]);
	});

	it("refuses a rollback to a version that binds a deleted KV namespace", async () => {
		const reader = join(rooms.dir, "reader");
		await writeFile(
			join(reader, "wrangler.toml"),
			(await readFile(join(reader, "wrangler.toml"), "utf8")).replace(/\[\[kv_namespaces\]\][^[]*/, ""),
		);
		succeeded(await wrangler(["deploy", "-c", join(reader, "wrangler.toml"), "--message", "no notes"]));
		succeeded(await wrangler(["kv", "namespace", "delete", "--namespace-id", ids.readerKv ?? "", "-y"]));
		const refused = await rollback("rooms-reader", ids.reader1 ?? "", "back to one again");
		expect(refused.status).toBe(422);
		expect(JSON.stringify(refused.body)).toContain("resource_deleted");
	});

	it("refuses a rollback across a migration that deleted a Durable Object class, whose data is gone", async () => {
		const before = await activeVersion("rooms");
		const index = join(rooms.dir, "src", "index.js");
		await writeFile(
			index,
			(await readFile(index, "utf8"))
				.replace("export class Room", "class Room")
				.replace("await env.ROOM.getByName(roomName).broadcast(", "void (")
				.replace('if (what === "ws") return stub.fetch(request);', "")
				.replace("const stub = env.ROOM.getByName(roomName);", "")
				.replace("await stub.count()", "0"),
		);
		const toml = join(rooms.dir, "wrangler.toml");
		await writeFile(
			toml,
			`${(await readFile(toml, "utf8")).replace(/\[\[durable_objects\.bindings\]\]\nname = "ROOM"\nclass_name = "Room"\n/, "")}\n[[migrations]]\ntag = "v2"\ndeleted_classes = ["Room"]\n`,
		);
		succeeded(await wrangler(["deploy", "--message", "rooms without live sockets"]));
		const refused = await rollback("rooms", before, "bring the sockets back");
		expect(refused.status).toBe(422);
		expect(JSON.stringify(refused.body)).toContain("durable_object_migration");
		// The rest of the application's data is untouched by the class's deletion.
		const messages = await call("rooms/messages/lobby", { method: "GET" });
		expect(messages.status).toBe(200);
	});
});

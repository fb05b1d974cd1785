import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectShiplog, fixtureCopy, type RunResult, type Shiplog, wranglerAgainst } from "./harness";

/**
 * Resources managed by the real, unmodified wrangler CLI through shiplog's Cloudflare-compatible API:
 * created, listed, filled, bound by a deployed Worker (which reads what wrangler wrote), refused deletion
 * while bound, then deleted. Steps build on each other, in order.
 */
const WORKER = "e2e-resources";

let shiplog: Shiplog;
let client: Awaited<ReturnType<typeof fixtureCopy>>;
let wrangler: ReturnType<typeof wranglerAgainst>;
const ids: Record<string, string> = {};

function succeeded(result: RunResult): string {
	expect(result.code, result.output).toBe(0);
	return result.output;
}

function failed(result: RunResult): string {
	expect(result.code, result.output).not.toBe(0);
	return result.output;
}

async function served(): Promise<{ greeting: string | null; notes: string[]; file: string | null }> {
	const res = await fetch(`${shiplog.url}/w/${WORKER}/`, { signal: AbortSignal.timeout(10_000) });
	const text = await res.text();
	expect(res.status, text).toBe(200);
	return JSON.parse(text);
}

beforeAll(async () => {
	shiplog = connectShiplog(inject("shiplog"));
	client = await fixtureCopy("wrangler-resources");
	wrangler = wranglerAgainst(shiplog, client);
});

afterAll(async () => {
	await client?.remove();
});

describe("wrangler manages shiplog's resources", () => {
	it("kv namespace create and list", async () => {
		const output = succeeded(await wrangler(["kv", "namespace", "create", "e2e-cache"]));
		const id = output.match(/^id = "([0-9a-f]{32})"$/m)?.[1];
		expect(id, output).toBeDefined();
		ids.kv = id ?? "";
		const list = succeeded(await wrangler(["kv", "namespace", "list"]));
		expect(list).toContain(`"id": "${ids.kv}"`);
		expect(list).toContain('"title": "e2e-cache"');
	});

	it("kv key put, get and list --remote", async () => {
		const kv = ["--namespace-id", ids.kv, "--remote"];
		succeeded(await wrangler(["kv", "key", "put", "greeting", "hello from kv", ...kv]));
		succeeded(await wrangler(["kv", "key", "put", "a/b c", "spare", ...kv]));
		const got = await wrangler(["kv", "key", "get", "greeting", ...kv, "--text"]);
		expect(got.code, got.output).toBe(0);
		expect(got.stdout).toContain("hello from kv");
		const listed = succeeded(await wrangler(["kv", "key", "list", ...kv]));
		expect(listed).toContain('"name": "a/b c"');
		expect(listed).toContain('"name": "greeting"');
		succeeded(await wrangler(["kv", "key", "delete", "a/b c", ...kv]));
		expect(succeeded(await wrangler(["kv", "key", "list", ...kv]))).not.toContain("a/b c");
	});

	it("d1 create, list and info", async () => {
		const output = succeeded(await wrangler(["d1", "create", "e2e-db"]));
		const id = output.match(/^database_id = "([0-9a-f-]{36})"$/m)?.[1];
		expect(id, output).toBeDefined();
		ids.d1 = id ?? "";
		const list = succeeded(await wrangler(["d1", "list", "--json"]));
		expect(list).toContain(ids.d1);
		const info = succeeded(await wrangler(["d1", "info", "e2e-db", "--json"]));
		expect(info).toContain(ids.d1);
	});

	it("r2 bucket create and list, r2 object put and get --remote", async () => {
		succeeded(await wrangler(["r2", "bucket", "create", "e2e-files"]));
		expect(succeeded(await wrangler(["r2", "bucket", "list"]))).toContain("e2e-files");
		succeeded(await wrangler(["r2", "object", "put", "e2e-files/hello.txt", "--file", "hello.txt", "--remote"]));
		succeeded(await wrangler(["r2", "object", "get", "e2e-files/hello.txt", "--file", "out.txt", "--remote"]));
		expect(await readFile(join(client.dir, "out.txt"), "utf8")).toBe("hello from r2\n");
		succeeded(await wrangler(["r2", "object", "put", "e2e-files/spare.txt", "--file", "hello.txt", "--remote"]));
		succeeded(await wrangler(["r2", "object", "delete", "e2e-files/spare.txt", "--remote"]));
		failed(await wrangler(["r2", "object", "get", "e2e-files/spare.txt", "--file", "gone.txt", "--remote"]));
	});

	it("d1 migrations apply, execute --command and --file --remote", async () => {
		await appendFile(
			join(client.dir, "wrangler.toml"),
			[
				"",
				"[[kv_namespaces]]",
				'binding = "CACHE"',
				`id = "${ids.kv}"`,
				"",
				"[[d1_databases]]",
				'binding = "DB"',
				'database_name = "e2e-db"',
				`database_id = "${ids.d1}"`,
				'migrations_dir = "migrations"',
				"",
				"[[r2_buckets]]",
				'binding = "FILES"',
				'bucket_name = "e2e-files"',
				"",
			].join("\n"),
		);
		const applied = succeeded(await wrangler(["d1", "migrations", "apply", "e2e-db", "--remote"]));
		expect(applied).toContain("0001_notes.sql");
		expect(applied).toContain("0002_seed.sql");
		expect(succeeded(await wrangler(["d1", "migrations", "apply", "e2e-db", "--remote"]))).toContain(
			"No migrations to apply",
		);
		succeeded(await wrangler(["d1", "execute", "e2e-db", "--remote", "--file", "seed.sql"]));
		const rows = await wrangler([
			"d1",
			"execute",
			"e2e-db",
			"--remote",
			"--json",
			"--command",
			"SELECT body FROM notes ORDER BY id",
		]);
		expect(rows.code, rows.output).toBe(0);
		expect(JSON.parse(rows.stdout)[0].results.map((r: { body: string }) => r.body)).toEqual([
			"first; from a migration",
			"second, from --file",
			"third, from --file",
		]);
		const broken = failed(
			await wrangler(["d1", "execute", "e2e-db", "--remote", "--command", "SELECT nope FROM notes"]),
		);
		expect(broken).toContain("nope");
	});

	it("a deployed Worker reads what wrangler wrote, through its bindings", async () => {
		succeeded(await wrangler(["deploy"]));
		expect(await served()).toEqual({
			greeting: "hello from kv",
			notes: ["first; from a migration", "second, from --file", "third, from --file"],
			file: "hello from r2\n",
		});
	});

	it("queues create and list", async () => {
		succeeded(await wrangler(["queues", "create", "e2e-jobs"]));
		expect(succeeded(await wrangler(["queues", "list"]))).toContain("e2e-jobs");
	});

	it("refuses to delete a namespace the active deployment binds, naming the Worker", async () => {
		const output = failed(await wrangler(["kv", "namespace", "delete", "--namespace-id", ids.kv, "-y"]));
		expect(output).toContain(WORKER);
		expect(output).toContain("force=true");
		expect((await served()).greeting).toBe("hello from kv");
	});

	it("deletes every resource once no active deployment binds it, and their data with them", async () => {
		// The Worker moves on to a version without the bindings; the old version still names them.
		const toml = await readFile(join(client.dir, "wrangler.toml"), "utf8");
		await appendFile(join(client.dir, "unbound.toml"), toml.split("\n[[kv_namespaces]]")[0] ?? "");
		succeeded(await wrangler(["deploy", "--config", "unbound.toml"]));

		succeeded(await wrangler(["kv", "namespace", "delete", "--namespace-id", ids.kv, "-y"]));
		succeeded(await wrangler(["d1", "delete", "e2e-db", "-y"]));
		succeeded(await wrangler(["r2", "bucket", "delete", "e2e-files"]));
		succeeded(await wrangler(["queues", "delete", "e2e-jobs"]));

		expect(succeeded(await wrangler(["kv", "namespace", "list"]))).not.toContain(ids.kv);
		expect(succeeded(await wrangler(["d1", "list", "--json"]))).not.toContain(ids.d1);
		expect(succeeded(await wrangler(["r2", "bucket", "list"]))).not.toContain("e2e-files");
		expect(succeeded(await wrangler(["queues", "list"]))).not.toContain("e2e-jobs");
		failed(await wrangler(["kv", "key", "get", "greeting", "--namespace-id", ids.kv, "--remote"]));

		// Each create and delete is in the audit log, with its author and source.
		const { body } = await shiplog.native("/v1/audit-log?limit=200");
		type Entry = {
			action: string;
			outcome: string;
			actor: { principal: string; source: string };
			target: { id: string };
		};
		const entries = (body.items as Entry[]).filter((e) => e.action.startsWith("resource.") && e.outcome === "success");
		for (const target of [`kv_namespace:${ids.kv}`, `d1:${ids.d1}`, "r2_bucket:e2e-files", "queue:e2e-jobs"]) {
			const actions = entries
				.filter((e) => e.target.id === target)
				.map((e) => `${e.action}/${e.actor.source}/${e.actor.principal}`);
			expect(actions.sort(), target).toEqual(["resource.create/wrangler/admin", "resource.delete/wrangler/admin"]);
		}
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { destroyResource, resourceUsage } from "../../src/runtime/resource-stores";
import { deployCode, edge } from "../edge/edge-helpers";
import { runScenario } from "./runtime-helpers";

const d1Binding = (id: string, name = "DB") => ({ name, type: "d1", id });

/** Every D1 call a Worker makes, with the results reduced to JSON; run on a real D1 database and through shiplog. */
const everyD1Call = async (db: D1Database) => {
	const out: Record<string, unknown> = {};
	const step = async (name: string, fn: () => Promise<unknown>) => {
		try {
			out[name] = { value: await fn() };
		} catch (error: any) {
			out[name] = {
				error: error.constructor.name,
				message: error.message,
				cause: error.cause && [error.cause.constructor.name, error.cause.message],
			};
		}
	};
	// Timings, sizes and the server's name differ between any two databases; the rest must be D1's.
	const result = (r: any) => ({
		...r,
		meta: {
			...r.meta,
			served_by: typeof r.meta.served_by,
			duration: typeof r.meta.duration,
			timings: typeof r.meta.timings?.sql_duration_ms,
			size_after: typeof r.meta.size_after,
		},
	});
	await step("exec", () =>
		db
			.exec(
				"CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, active INTEGER, avatar BLOB);\n\nINSERT INTO users (name, active) VALUES ('alice', 1);",
			)
			.then((r) => ({ count: r.count, duration: typeof r.duration })),
	);
	await step("run an insert", async () =>
		result(await db.prepare("INSERT INTO users (name, active) VALUES (?, ?)").bind("bob", false).run()),
	);
	await step("bind a blob, a number and null", async () =>
		result(
			await db
				.prepare("INSERT INTO users (name, active, avatar) VALUES (?1, ?2, ?3)")
				.bind("carol", 7, new Uint8Array([1, 2, 3]))
				.run(),
		),
	);
	await step("bind a byte array and null", async () =>
		result(
			await db.prepare("INSERT INTO users (name, active, avatar) VALUES (?, ?, ?)").bind("dave", null, [9, 8]).run(),
		),
	);
	await step("all", async () => result(await db.prepare("SELECT * FROM users ORDER BY id").all()));
	await step("first", () => db.prepare("SELECT * FROM users ORDER BY id").first());
	await step("first of a column", () => db.prepare("SELECT name FROM users WHERE id = ?").bind(2).first("name"));
	await step("first of no rows", () => db.prepare("SELECT * FROM users WHERE id < 0").first());
	await step("first column of no rows", () => db.prepare("SELECT * FROM users WHERE id < 0").first("name"));
	await step("first of a missing column", () => db.prepare("SELECT * FROM users").first("nope"));
	await step("raw", () => db.prepare("SELECT id, name, avatar FROM users ORDER BY id").raw());
	await step("raw with column names", () =>
		db.prepare("SELECT id, name FROM users ORDER BY id").raw({ columnNames: true }),
	);
	await step("raw of no rows with column names", () =>
		db.prepare("SELECT id, name FROM users WHERE id < 0").raw({ columnNames: true }),
	);
	await step("numbered parameters", () => db.prepare("SELECT ?1 AS a, ?2 AS b, ?1 AS c").bind(1, "two").first());
	await step("an update", async () => result(await db.prepare("UPDATE users SET active = 0 WHERE active = 1").run()));
	await step("a batch", async () =>
		(
			await db.batch([
				db.prepare("INSERT INTO users (name) VALUES (?)").bind("erin"),
				db.prepare("INSERT INTO users (name) VALUES (?)").bind("frank"),
				db.prepare("SELECT count(*) AS n FROM users"),
			])
		).map(result),
	);
	await step("a batch that fails half way", () =>
		db.batch([
			db.prepare("INSERT INTO users (name) VALUES ('grace')"),
			db.prepare("INSERT INTO users (name) VALUES (NULL)"),
		]),
	);
	await step("nothing of the failed batch was kept", () =>
		db.prepare("SELECT count(*) AS n FROM users WHERE name = 'grace'").first("n"),
	);
	await step("a session", async () => {
		const session = db.withSession("first-primary");
		return [await session.prepare("SELECT count(*) AS n FROM users").first("n"), typeof session.getBookmark];
	});
	await step("a syntax error", () => db.prepare("SELEC 1").all());
	await step("a missing table", () => db.prepare("SELECT * FROM missing_table").all());
	await step("a constraint", () => db.prepare("INSERT INTO users (name) VALUES (NULL)").run());
	await step("an explicit transaction", () => db.prepare("BEGIN TRANSACTION").run());
	await step("empty SQL", () => db.prepare("").all());
	await step("an empty batch", () => db.batch([]));
	await step("bind undefined", async () => db.prepare("SELECT ?").bind(undefined).all());
	await step("bind a bigint", async () => db.prepare("SELECT ?").bind(5n).all());
	await step("bind an object", async () => db.prepare("SELECT ?").bind({}).all());
	await step("bind a Date", async () => db.prepare("SELECT ?").bind(new Date(0)).all());
	await step("exec a statement over two lines", () => db.exec("CREATE TABLE t (\nx\n);"));
	await step("exec a bad statement", () => db.exec("SELEC 1;"));
	await step("the table list", () =>
		db
			.prepare(
				"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' ORDER BY name",
			)
			.raw(),
	);
	return out;
};

describe("D1 in managed Workers", () => {
	it("answers every call as D1 does, results, meta and errors alike", async () => {
		const native = await everyD1Call(env.NATIVE_D1);
		const managed = await runScenario("d1-every-call", everyD1Call as never, d1Binding("d1-every-call"));
		expect(managed).toEqual(JSON.parse(JSON.stringify(native)));
	});
});

/** A Worker that runs the SQL in its request body (POST /exec, /batch of `;`-separated statements, /query). */
const d1Endpoint = `
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const sql = await request.text();
		try {
			if (url.pathname === "/exec") return Response.json(await env.DB.exec(sql));
			if (url.pathname === "/batch") {
				const statements = sql.split(";").filter((s) => s.trim()).map((s) => env.DB.prepare(s));
				return Response.json((await env.DB.batch(statements)).map((r) => r.meta.changes));
			}
			return Response.json(await env.DB.prepare(sql).raw());
		} catch (error) {
			return new Response(error.message, { status: 400 });
		}
	},
};`;

const sql = (worker: string, path: string, body: string) => edge(worker, path, { method: "POST", body });
const rows = async (worker: string, query: string) => (await sql(worker, "/query", query)).json();

describe("D1 databases are account-wide resources", () => {
	it("two Workers that bind the same database id share its tables and rows", async () => {
		await deployCode("d1-writer", d1Endpoint, { bindings: [d1Binding("shared-db")] });
		await deployCode("d1-reader", d1Endpoint, { bindings: [d1Binding("shared-db")] });
		await sql("d1-writer", "/exec", "CREATE TABLE notes (body TEXT);\nINSERT INTO notes VALUES ('hello');");
		expect(await rows("d1-reader", "SELECT body FROM notes")).toEqual([["hello"]]);
	});

	it("a Worker's SQL sees only the database its version binds", async () => {
		await deployCode("d1-mine", d1Endpoint, { bindings: [d1Binding("db-mine")] });
		await deployCode("d1-theirs", d1Endpoint, { bindings: [d1Binding("db-theirs")] });
		await sql("d1-theirs", "/exec", "CREATE TABLE secrets (v TEXT);\nINSERT INTO secrets VALUES ('theirs');");
		const refused = await sql("d1-mine", "/query", "SELECT v FROM secrets");
		expect(await refused.text()).toBe("D1_ERROR: no such table: secrets: SQLITE_ERROR");
		expect(await rows("d1-mine", "SELECT name FROM sqlite_master")).toEqual([]);
	});
});

describe("D1 batches are atomic", () => {
	it("a failing statement rolls the whole batch back", async () => {
		await deployCode("d1-atomic", d1Endpoint, { bindings: [d1Binding("db-atomic")] });
		await sql("d1-atomic", "/exec", "CREATE TABLE accounts (name TEXT PRIMARY KEY, balance INTEGER NOT NULL);");
		await sql("d1-atomic", "/exec", "INSERT INTO accounts VALUES ('a', 100), ('b', 0);");
		const failed = await sql(
			"d1-atomic",
			"/batch",
			"UPDATE accounts SET balance = balance - 50 WHERE name = 'a'; UPDATE accounts SET balance = NULL WHERE name = 'b'",
		);
		expect(failed.status).toBe(400);
		expect(await failed.text()).toMatch(/^D1_ERROR: NOT NULL constraint failed: accounts.balance/);
		expect(await rows("d1-atomic", "SELECT name, balance FROM accounts ORDER BY name")).toEqual([
			["a", 100],
			["b", 0],
		]);
		const moved = await sql(
			"d1-atomic",
			"/batch",
			"UPDATE accounts SET balance = balance - 50 WHERE name = 'a'; UPDATE accounts SET balance = balance + 50 WHERE name = 'b'",
		);
		expect(await moved.json()).toEqual([1, 1]);
		expect(await rows("d1-atomic", "SELECT balance FROM accounts ORDER BY name")).toEqual([[50], [50]]);
	});
});

describe("D1 limits and lifecycle", () => {
	it("refuses and rolls back a write that grows the database past its limit", async () => {
		await deployCode("d1-full", d1Endpoint, { bindings: [d1Binding("db-full")] });
		await sql("d1-full", "/exec", "CREATE TABLE blobs (b BLOB);");
		const limit = Number(env.SHIPLOG_D1_MAX_DATABASE_BYTES);
		expect((await sql("d1-full", "/query", "INSERT INTO blobs VALUES (randomblob(400000))")).status).toBe(200);
		const refused = await sql("d1-full", "/query", "INSERT INTO blobs VALUES (randomblob(700000))");
		expect(refused.status).toBe(400);
		expect(await refused.text()).toBe(`D1_ERROR: Exceeded maximum DB size of ${limit} bytes: SQLITE_FULL`);
		expect(await rows("d1-full", "SELECT count(*) FROM blobs")).toEqual([[1]]);
		// Space freed inside the file can be used again.
		await sql("d1-full", "/query", "DELETE FROM blobs");
		expect((await sql("d1-full", "/query", "INSERT INTO blobs VALUES (randomblob(400000))")).status).toBe(200);
	});

	it("destroy deletes every table and row", async () => {
		await deployCode("d1-doomed", d1Endpoint, { bindings: [d1Binding("db-doomed")] });
		await sql("d1-doomed", "/exec", "CREATE TABLE t (x);\nINSERT INTO t VALUES (1);");
		expect((await resourceUsage(env, "d1", "db-doomed")).bytes).toBeGreaterThan(0);
		expect(await destroyResource(env, "d1", "db-doomed")).toEqual({ done: true });
		expect(await (await sql("d1-doomed", "/query", "SELECT * FROM t")).text()).toBe(
			"D1_ERROR: no such table: t: SQLITE_ERROR",
		);
		expect(await rows("d1-doomed", "SELECT name FROM sqlite_master")).toEqual([]);
	});
});

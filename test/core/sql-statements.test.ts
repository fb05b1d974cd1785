import { describe, expect, it } from "vitest";
import { splitStatements } from "../../src/core/sql-statements";

describe("splitStatements: D1's /query runs every statement of its sql", () => {
	it("splits at the semicolons that end statements", () => {
		expect(splitStatements("CREATE TABLE t (a);\n\nINSERT INTO t VALUES (1);")).toEqual([
			"CREATE TABLE t (a)",
			"INSERT INTO t VALUES (1)",
		]);
		expect(splitStatements("SELECT 1")).toEqual(["SELECT 1"]);
	});

	it("keeps semicolons inside strings, quoted names and comments", () => {
		expect(splitStatements(`INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT "x;y" FROM [z;w]`)).toEqual([
			`INSERT INTO t VALUES ('a;b', 'it''s; fine')`,
			`SELECT "x;y" FROM [z;w]`,
		]);
		expect(splitStatements("SELECT 1; -- a comment; still a comment\nSELECT 2; /* one; */")).toEqual([
			"SELECT 1",
			"-- a comment; still a comment\nSELECT 2",
		]);
	});

	it("keeps a trigger's body, up to its END, in one statement", () => {
		const trigger = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (1); DELETE FROM x; END";
		expect(splitStatements(`${trigger}; SELECT 1;`)).toEqual([trigger, "SELECT 1"]);
	});

	it("drops statements that are only whitespace or comments", () => {
		expect(splitStatements(" ;\n-- nothing\n; ")).toEqual([]);
	});
});

import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/chatops/grammar";
import { parseInteraction, parseSlashCommand } from "../../src/chatops/payloads";

describe("the /shiplog grammar", () => {
	it("reads each command with its arguments", () => {
		expect(parseCommand("")).toEqual({ ok: true, command: { kind: "help" } });
		expect(parseCommand("  LIST ")).toEqual({ ok: true, command: { kind: "list" } });
		expect(parseCommand("status Checkout")).toEqual({ ok: true, command: { kind: "status", worker: "checkout" } });
		expect(parseCommand("diff checkout v3 5")).toEqual({
			ok: true,
			command: { kind: "diff", worker: "checkout", from: { number: 3 }, to: { number: 5 } },
		});
		expect(parseCommand("rollback checkout v3 totals are wrong")).toEqual({
			ok: true,
			command: { kind: "rollback", worker: "checkout", version: { number: 3 }, reason: "totals are wrong" },
		});
		expect(parseCommand("rollback checkout totals are wrong")).toEqual({
			ok: true,
			command: { kind: "rollback", worker: "checkout", version: null, reason: "totals are wrong" },
		});
		expect(parseCommand("rollback checkout 0f8e2a4c-1d2b-4c3a-9e8f-7a6b5c4d3e2f")).toMatchObject({
			ok: true,
			command: { version: { id: "0f8e2a4c-1d2b-4c3a-9e8f-7a6b5c4d3e2f" }, reason: null },
		});
		expect(parseCommand("link K7QM-2XHD-9RTA")).toEqual({
			ok: true,
			command: { kind: "link", code: "K7QM-2XHD-9RTA" },
		});
	});

	it("says what to type instead of guessing", () => {
		expect(parseCommand("status")).toEqual({ ok: false, message: "Usage: `/shiplog status <worker>`" });
		expect(parseCommand("deploy checkout")).toMatchObject({
			ok: false,
			message: expect.stringContaining("not a shiplog command"),
		});
		expect(parseCommand("status Not_A_Worker!")).toMatchObject({
			ok: false,
			message: expect.stringContaining("is not a Worker name"),
		});
		expect(parseCommand("promote checkout now")).toMatchObject({ ok: false });
		expect(parseCommand("diff checkout v1 latest")).toMatchObject({ ok: false });
		expect(parseCommand("list extra")).toMatchObject({ ok: false });
		// Names every object has are not commands.
		expect(parseCommand("constructor checkout")).toMatchObject({
			ok: false,
			message: expect.stringContaining("not a shiplog command"),
		});
		expect(parseCommand("__proto__ checkout")).toMatchObject({ ok: false });
	});

	it("bounds a reason's length", () => {
		const parsed = parseCommand(`rollback checkout ${"x".repeat(5000)}`);
		expect(parsed.ok && parsed.command.kind === "rollback" && parsed.command.reason?.length).toBe(300);
	});
});

describe("Slack payloads as hostile input", () => {
	const command = {
		team_id: "T1",
		user_id: "U1",
		command: "/shiplog",
		text: "list",
		response_url: "https://hooks.slack.com/commands/T1/1/x",
		trigger_id: "1.2.3",
	};

	it("takes a slash command's fields and ignores the rest", () => {
		const parsed = parseSlashCommand(new URLSearchParams({ ...command, token: "legacy", extra: "x" }).toString());
		expect(parsed).toEqual({ ok: true, value: command });
	});

	it("refuses ids that are not Slack's, and oversized text", () => {
		expect(parseSlashCommand(new URLSearchParams({ ...command, user_id: "alice" }).toString())).toMatchObject({
			ok: false,
			problem: expect.stringContaining("user_id"),
		});
		expect(parseSlashCommand(new URLSearchParams({ ...command, text: "x".repeat(2001) }).toString())).toMatchObject({
			ok: false,
			problem: expect.stringContaining("text"),
		});
		expect(parseSlashCommand("not a form")).toMatchObject({ ok: false });
	});

	it("reads block_actions, ignores other interaction types, refuses junk and deep JSON", () => {
		const payload = {
			type: "block_actions",
			team: { id: "T1" },
			user: { id: "U1" },
			response_url: "https://hooks.slack.com/actions/T1/1/x",
			trigger_id: "1.2.3",
			actions: [{ action_id: "shiplog.cancel", value: "cancel" }],
		};
		const form = (p: unknown) =>
			new URLSearchParams({ payload: typeof p === "string" ? p : JSON.stringify(p) }).toString();
		expect(parseInteraction(form(payload))).toMatchObject({ ok: true, value: { team: { id: "T1" } } });
		expect(parseInteraction(form({ type: "view_submission" }))).toEqual({ ok: "ignored", type: "view_submission" });
		expect(parseInteraction(form("{nope"))).toEqual({ ok: false, problem: "payload: is not JSON" });
		expect(parseInteraction("x=1")).toEqual({ ok: false, problem: "payload: missing" });
		let deep: unknown = {};
		for (let i = 0; i < 100; i++) deep = { a: deep };
		expect(parseInteraction(form({ ...payload, deep }))).toMatchObject({
			ok: false,
			problem: expect.stringContaining("deeper"),
		});
		expect(parseInteraction(form({ ...payload, actions: [] }))).toMatchObject({ ok: false });
	});
});

import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../src/chatops/action-value";
import { api, deploy, workerSource } from "../helpers";
import { Receivers } from "../notifications/receiver";
import { send, slackHeaders, TEAM } from "./slack-client";

/**
 * Generated hostile requests at the Slack endpoints. Unsigned ones are refused whatever they hold; signed
 * ones (as if the signing secret leaked) with junk fields or junk button values are never a 5xx and never
 * change a Worker.
 */
const SEED = Number.parseInt(env.FUZZ_SEED, 10) || 20261202;
const runs = (numRuns: number) => ({ numRuns, seed: SEED });

const deployments = async () =>
	(await env.DB.prepare("SELECT count(*) AS n FROM deployments").first<{ n: number }>())?.n ?? 0;

let errors: string[] = [];

beforeAll(async () => {
	new Receivers();
	const original = console.error;
	console.error = (...args: unknown[]) => {
		errors.push(args.map(String).join(" "));
		original(...args);
	};
	const res = await api("/v1/chatops/slack/users", {
		method: "POST",
		body: JSON.stringify({ team_id: TEAM, user_id: "U0FUZZ", principal: "fuzz@example.com", scopes: ["admin"] }),
	});
	expect(res.status).toBe(201);
	await deploy("fuzz-chat", { modules: [{ name: "index.js", body: workerSource("one") }] });
	await deploy("fuzz-chat", { modules: [{ name: "index.js", body: workerSource("two") }] });
});

const junkValue = fc.oneof(
	fc.string({ maxLength: 300 }),
	fc.json({ maxDepth: 4 }),
	fc
		.record({
			k: fc.constantFrom("rollback", "promote", "abort", "deploy"),
			w: fc.constantFrom("fuzz-chat", "nope", "", "a".repeat(80)),
			v: fc.string({ maxLength: 70 }),
			m: fc.string({ maxLength: 70 }),
			f: fc.oneof(fc.boolean(), fc.constant("yes")),
			r: fc.option(fc.string({ maxLength: 400 })),
			n: fc.string({ maxLength: 70 }),
		})
		.map((v) => JSON.stringify(v)),
);

describe("hostile requests at /chatops/slack", () => {
	it("unsigned or wrongly signed bodies are 401 (or 413) whatever they hold", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom("commands", "interactions") as fc.Arbitrary<"commands" | "interactions">,
				fc.string({ maxLength: 2000 }),
				fc.record({ ts: fc.string({ maxLength: 20 }), sig: fc.string({ maxLength: 80 }) }),
				async (path, body, h) => {
					const res = await send(path, body, {
						"content-type": "application/x-www-form-urlencoded",
						"x-slack-request-timestamp": h.ts,
						"x-slack-signature": h.sig,
					});
					expect([401, 413]).toContain(res.status);
				},
			),
			runs(150),
		);
	});

	it("signed junk never breaks shiplog: 4xx or an acknowledgement, no 5xx, no change", async () => {
		const before = await deployments();
		errors = [];
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(
					fc.record({
						path: fc.constant("commands" as const),
						body: fc.oneof(
							fc.string({ maxLength: 500 }),
							fc
								.record({
									team_id: fc.constantFrom(TEAM, "T", "x"),
									user_id: fc.constantFrom("U0FUZZ", "U0NOPE", ""),
									command: fc.constant("/shiplog"),
									text: fc.oneof(
										fc.string({ maxLength: 300 }),
										fc.constantFrom(
											"status fuzz-chat",
											"diff fuzz-chat v0 v99",
											"link ----",
											"rollback fuzz-chat v999999999",
										),
									),
									response_url: fc.constantFrom("https://hooks.slack.com/commands/T/1/x", "http://evil.test/x", "nope"),
									trigger_id: fc.string({ minLength: 1, maxLength: 40 }),
								})
								.map((f) => new URLSearchParams(f).toString()),
						),
					}),
					fc.record({
						path: fc.constant("interactions" as const),
						body: fc
							.record({
								type: fc.constantFrom("block_actions", "view_submission", 7),
								team: fc.constant({ id: TEAM }),
								user: fc.constantFrom({ id: "U0FUZZ" }, { id: "U0NOPE" }, { id: 1 }),
								response_url: fc.constantFrom("https://hooks.slack.com/actions/T/1/x", "http://169.254.169.254/"),
								trigger_id: fc.string({ minLength: 1, maxLength: 40 }),
								actions: fc.array(
									fc.record({
										action_id: fc.constantFrom(...Object.values(ACTION_IDS), "shiplog.link", "other"),
										value: junkValue,
									}),
									{ maxLength: 3 },
								),
							})
							.map((p) => new URLSearchParams({ payload: JSON.stringify(p) }).toString()),
					}),
				),
				async ({ path, body }) => {
					const res = await send(path, body, slackHeaders(body));
					expect(res.status).toBeLessThan(500);
				},
			),
			runs(150),
		);
		expect(await deployments()).toBe(before);
		expect(errors.filter((e) => !e.includes("chatops.respond"))).toEqual([]);
	});
});

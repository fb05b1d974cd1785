import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SLACK_WINDOW_SECONDS, slackSignature, verifySlackRequest } from "../../src/chatops/verify";

/**
 * Slack's own worked example from "Verifying requests from Slack" (api.slack.com/authentication/
 * verifying-requests-from-slack), reproduced verbatim by the slack-verify packages' READMEs: the signing
 * secret, timestamp, slash-command body and the X-Slack-Signature Slack computed for them.
 */
const SLACK_EXAMPLE = {
	secret: "8f742231b10e8888abcd99yyyzzz85a5",
	timestamp: "1531420618",
	body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
	signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};
const AT = Number(SLACK_EXAMPLE.timestamp);

const verify = (overrides: Partial<typeof SLACK_EXAMPLE> = {}, now = AT + 10) => {
	const { secret, ...request } = { ...SLACK_EXAMPLE, ...overrides };
	return verifySlackRequest(secret, request, now);
};

describe("Slack request signatures", () => {
	it("accept Slack's published example and compute its exact signature", async () => {
		expect(await verify()).toEqual({ ok: true });
		expect(await slackSignature(SLACK_EXAMPLE.secret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.body)).toBe(
			SLACK_EXAMPLE.signature,
		);
	});

	it("agree with node:crypto's HMAC over v0:{timestamp}:{body} for other inputs", async () => {
		for (const body of ["", "payload=%7B%7D", "text=ünïcödé&x=1", "a".repeat(5000)]) {
			const expected = `v0=${createHmac("sha256", "s3cret").update(`v0:1700000000:${body}`).digest("hex")}`;
			expect(await slackSignature("s3cret", "1700000000", body)).toBe(expected);
		}
	});

	it("refuse a changed body, a wrong secret, or a signature for another timestamp", async () => {
		expect(await verify({ body: SLACK_EXAMPLE.body.replace("roadrunner", "coyote") })).toEqual({
			ok: false,
			reason: "mismatch",
		});
		expect(await verify({ secret: "8f742231b10e8888abcd99yyyzzz85a6" })).toEqual({ ok: false, reason: "mismatch" });
		expect(await verify({ timestamp: String(AT + 1) })).toEqual({ ok: false, reason: "mismatch" });
	});

	it("refuse timestamps more than five minutes from now, either way", async () => {
		expect(await verify({}, AT + SLACK_WINDOW_SECONDS)).toEqual({ ok: true });
		expect(await verify({}, AT + SLACK_WINDOW_SECONDS + 1)).toEqual({ ok: false, reason: "stale" });
		expect(await verify({}, AT - SLACK_WINDOW_SECONDS - 1)).toEqual({ ok: false, reason: "stale" });
	});

	it("refuse missing and malformed headers before computing anything", async () => {
		expect(await verify({ signature: "" })).toEqual({ ok: false, reason: "missing" });
		expect(await verify({ timestamp: "" })).toEqual({ ok: false, reason: "missing" });
		expect(await verify({ timestamp: "1531420618.5" })).toEqual({ ok: false, reason: "malformed" });
		expect(await verify({ signature: SLACK_EXAMPLE.signature.replace("v0=", "v1=") })).toEqual({
			ok: false,
			reason: "malformed",
		});
		expect(await verify({ signature: SLACK_EXAMPLE.signature.toUpperCase() })).toEqual({
			ok: false,
			reason: "malformed",
		});
		expect(await verify({ signature: `${SLACK_EXAMPLE.signature}00` })).toEqual({ ok: false, reason: "malformed" });
	});
});

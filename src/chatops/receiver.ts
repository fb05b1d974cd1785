import type { Context } from "hono";
import { Hono } from "hono";
import { actorOf, recordRefusal } from "../audit-log/record";
import { ApiError } from "../errors/api-error";
import { afterResponse } from "../http/after-response";
import type { AppEnv } from "../http/app-env";
import { readLimited } from "../http/read-limited";
import { redeemLink } from "../services/slack-user-service";
import { claimHandled } from "../storage/chatops";
import { ephemeral, type Followup, type SlackMessage } from "./blocks";
import { runCommand } from "./commands";
import { refusedView } from "./confirm-views";
import { parseCommand, USAGE } from "./grammar";
import { handleInteraction, linkedView, unmappedError } from "./interactions";
import { MAX_COMMAND_BYTES, MAX_INTERACTION_BYTES, parseInteraction, parseSlashCommand } from "./payloads";
import { respond } from "./respond";
import { recordSlackRefusal, type SlackCall, slackIdentity, slackPrincipal } from "./slack-call";
import { unmappedView } from "./unmapped";
import { verifySlackRequest } from "./verify";

/** Slack gives up on an answer after 3 s; past this, the answer is "working on it" and the result follows. */
export const ANSWER_WITHIN_MS = 2_000;

/** The raw body, only once its signature holds (401 otherwise, recorded, nothing read further). */
async function verifiedBody(c: Context<AppEnv>, maxBytes: number): Promise<string> {
	const secret = c.env.SLACK_SIGNING_SECRET;
	if (!secret) {
		throw new ApiError(
			"not_configured",
			"shiplog has no SLACK_SIGNING_SECRET configured, so it refuses Slack requests. Set it with `wrangler secret put SLACK_SIGNING_SECRET` (docs/slack.md).",
		);
	}
	const bytes = await readLimited(c.req.raw, maxBytes, "A Slack request", "Slack never sends one this large.");
	const body = new TextDecoder().decode(bytes);
	const verdict = await verifySlackRequest(
		secret,
		{
			timestamp: c.req.header("x-slack-request-timestamp"),
			signature: c.req.header("x-slack-signature"),
			body,
		},
		Math.floor(c.var.deps.clock.now().getTime() / 1000),
	);
	if (verdict.ok) return body;
	const message = {
		missing: "X-Slack-Signature and X-Slack-Request-Timestamp are required: this endpoint only answers Slack.",
		malformed: "X-Slack-Signature or X-Slack-Request-Timestamp is not in Slack's format.",
		stale: "X-Slack-Request-Timestamp is more than 5 minutes from now: the request is too old (or the clock is off).",
		mismatch: "The Slack signature does not match this body: check SLACK_SIGNING_SECRET.",
	}[verdict.reason];
	try {
		await recordRefusal(c.env.DB, c.var.deps, actorOf(null, "chatops", c.var.requestId), {
			action: "chatops.verify",
			refusal: { status: 401, message, code: "unauthorized" },
			details: { path: c.req.path, problem: verdict.reason },
		});
	} catch (error) {
		console.error(JSON.stringify({ at: "chatops.verify", error: String(error) }));
	}
	throw new ApiError("unauthorized", message);
}

/**
 * A Slack retry (X-Slack-Retry-Num) or a replayed request carries a trigger it has already sent: the
 * first claim wins, the rest are acknowledged and do nothing.
 */
async function firstTime(
	call: SlackCall,
	trigger: string | undefined,
	signature: string | undefined,
): Promise<boolean> {
	const key = trigger ? `trigger:${trigger}` : `signature:${signature ?? ""}`;
	const earlier = await claimHandled(
		call.env.DB,
		key,
		call.deps.clock.now().toISOString(),
		slackIdentity(call.team_id, call.user_id),
	);
	return earlier === null;
}

async function callOf(c: Context<AppEnv>, team_id: string, user_id: string): Promise<SlackCall> {
	return {
		env: c.env,
		deps: c.var.deps,
		request_id: c.var.requestId,
		origin: new URL(c.req.url).origin,
		team_id,
		user_id,
		principal: await slackPrincipal(c.env.DB, team_id, user_id),
	};
}

/** A command's answer; refusals become messages (and audit entries), never errors Slack would show raw. */
async function answer(call: SlackCall, text: string, action: string): Promise<SlackMessage> {
	const parsed = parseCommand(text);
	if (!parsed.ok) return ephemeral(parsed.message);
	const command = parsed.command;
	try {
		if (command.kind === "link") {
			const record = await redeemLink(call.env, call.deps, call, command.code);
			return linkedView(record.principal, record.scopes);
		}
		if (!call.principal) {
			await recordSlackRefusal(call, action, null, unmappedError());
			return unmappedView(call);
		}
		return await runCommand({ ...call, principal: call.principal }, command);
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		await recordSlackRefusal(call, action, "worker" in command ? command.worker : null, error);
		return refusedView(error, false);
	}
}

async function postAll(env: Env, url: string, followups: Followup[]): Promise<void> {
	for (const followup of followups) await respond(env, url, followup);
}

export const slackReceiver = new Hono<AppEnv>()
	.post("/commands", async (c) => {
		const body = await verifiedBody(c, MAX_COMMAND_BYTES);
		const parsed = parseSlashCommand(body);
		if (!parsed.ok) throw new ApiError("invalid_request", `Not a Slack slash command: ${parsed.problem}`);
		const command = parsed.value;
		const call = await callOf(c, command.team_id, command.user_id);
		if (!(await firstTime(call, command.trigger_id, c.req.header("x-slack-signature")))) return c.body(null, 200);
		// The audit log names the command asked for; anything else typed is just "command".
		const verb = command.text.trim().split(/\s+/)[0]?.toLowerCase() || "help";
		const work = answer(call, command.text, `chatops.${Object.hasOwn(USAGE, verb) ? verb : "command"}`);
		let late!: (value: null) => void;
		const deadline = new Promise<null>((resolve) => {
			late = resolve;
		});
		const timer = setTimeout(() => late(null), ANSWER_WITHIN_MS);
		const first = await Promise.race([work, deadline]);
		clearTimeout(timer);
		if (first) return c.json(first);
		await afterResponse(
			c,
			work.then((message) => respond(c.env, command.response_url, message)),
		);
		return c.json(ephemeral(":hourglass_flowing_sand: Working on it…"));
	})
	.post("/interactions", async (c) => {
		const body = await verifiedBody(c, MAX_INTERACTION_BYTES);
		const parsed = parseInteraction(body);
		if (parsed.ok === "ignored") return c.body(null, 200);
		if (!parsed.ok) throw new ApiError("invalid_request", `Not a Slack interaction: ${parsed.problem}`);
		const payload = parsed.value;
		const call = await callOf(c, payload.team.id, payload.user.id);
		if (!(await firstTime(call, payload.trigger_id, c.req.header("x-slack-signature")))) return c.body(null, 200);
		// Slack ignores what an interaction is answered with: acknowledge now, act after, follow up by response_url.
		await afterResponse(
			c,
			handleInteraction(call, payload).then((followups) => postAll(c.env, payload.response_url, followups)),
		);
		return c.body(null, 200);
	});

import { z } from "zod";
import { jsonDepthProblem } from "../core/json-bounds";

/**
 * What Slack sends, read as hostile input: size-bounded form bodies, every field we use checked by a
 * schema, everything else ignored. A slash command is `application/x-www-form-urlencoded` fields; an
 * interaction is one form field, `payload`, holding JSON.
 */
export const MAX_COMMAND_BYTES = 16 * 1024;
/** Interactions carry the whole message the button was in (up to 50 blocks), so they get more room. */
export const MAX_INTERACTION_BYTES = 256 * 1024;

const TeamId = z.string().regex(/^[TE][A-Z0-9]{1,30}$/, "is not a Slack team id");
const UserId = z.string().regex(/^[UW][A-Z0-9]{1,30}$/, "is not a Slack user id");
const ResponseUrl = z.url().max(2048);
const TriggerId = z.string().min(1).max(200);

export const SlashCommandSchema = z.object({
	team_id: TeamId,
	user_id: UserId,
	user_name: z.string().max(200).optional(),
	channel_id: z.string().max(40).optional(),
	command: z.string().min(1).max(40),
	text: z.string().max(2000).default(""),
	response_url: ResponseUrl,
	trigger_id: TriggerId,
});
export type SlashCommand = z.infer<typeof SlashCommandSchema>;

const ActionSchema = z.object({
	action_id: z.string().min(1).max(255),
	value: z.string().max(2000).optional(),
});

export const BlockActionsSchema = z.object({
	type: z.literal("block_actions"),
	team: z.object({ id: TeamId }),
	user: z.object({ id: UserId, username: z.string().max(200).optional(), name: z.string().max(200).optional() }),
	response_url: ResponseUrl,
	trigger_id: TriggerId.optional(),
	actions: z.array(ActionSchema).min(1).max(25),
});
export type BlockActions = z.infer<typeof BlockActionsSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const describe = (error: z.ZodError) =>
	error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");

/** A slash command's form body: the fields shiplog uses, checked. */
export function parseSlashCommand(body: string): Parsed<SlashCommand> {
	const fields = Object.fromEntries(new URLSearchParams(body));
	const parsed = SlashCommandSchema.safeParse(fields);
	return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describe(parsed.error) };
}

/**
 * An interaction: `payload=<json>`. Only block_actions (button presses) are acted on; any other type is
 * reported as `ignored` so the receiver can acknowledge it and do nothing.
 */
export function parseInteraction(body: string): Parsed<BlockActions> | { ok: "ignored"; type: string } {
	const raw = new URLSearchParams(body).get("payload");
	if (raw === null) return { ok: false, problem: "payload: missing" };
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch {
		return { ok: false, problem: "payload: is not JSON" };
	}
	const deep = jsonDepthProblem(json);
	if (deep) return { ok: false, problem: `payload: ${deep.message}` };
	const type = (json as { type?: unknown } | null)?.type;
	if (typeof type === "string" && type !== "block_actions") return { ok: "ignored", type: type.slice(0, 40) };
	const parsed = BlockActionsSchema.safeParse(json);
	return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describe(parsed.error) };
}

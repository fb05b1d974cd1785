import { z } from "zod";

/**
 * What a button carries back when pressed (Slack returns `value` verbatim, at most 2000 characters):
 * everything the confirmed action needs, so acting never depends on what the message looked like.
 */
export const ACTION_IDS = {
	confirm: "shiplog.confirm",
	/** Leads to the second confirmation a forced rollback needs. */
	force: "shiplog.force",
	cancel: "shiplog.cancel",
	/** "Roll back to previous" on a notification: opens the same confirmation flow as `/shiplog rollback`. */
	prompt: "shiplog.prompt_rollback",
} as const;

export const CHANGE_KINDS = ["rollback", "promote", "abort"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

const Id = z.string().min(1).max(64);

export const ConfirmValueSchema = z.strictObject({
	/** What to do. */
	k: z.enum(CHANGE_KINDS),
	w: z.string().min(1).max(63),
	/** The version that will take all traffic. */
	v: Id,
	/** The active deployment the person was shown: the change is made only if it is still active (If-Match). */
	m: Id,
	/** Rollback despite changed secrets (only after the second confirmation). */
	f: z.boolean(),
	r: z.string().max(300).nullable(),
	/** One per confirmation message: a second press of the same button is recognised and does nothing. */
	n: z.string().min(8).max(64),
});
export type ConfirmValue = z.infer<typeof ConfirmValueSchema>;

export const PromptValueSchema = z.strictObject({
	w: z.string().min(1).max(63),
	/** The deployment the notification was about. */
	d: Id,
});
export type PromptValue = z.infer<typeof PromptValueSchema>;

export const encodeValue = (value: ConfirmValue | PromptValue): string => JSON.stringify(value);

/** A button's value read back through a schema; null when it is not one shiplog made. */
export function decodeValue<T>(schema: z.ZodType<T>, raw: string | undefined): T | null {
	if (raw === undefined) return null;
	try {
		const parsed = schema.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

import { auditEntry, recordAudit } from "../audit-log/record";
import { parseGrant } from "../core/scopes";
import { ApiError } from "../errors/api-error";
import { newSigningSecret } from "../notifications/signature";
import { checkWebhookUrl, displayUrl, isSlackUrl, sealTarget } from "../notifications/webhook-target";
import { lastEventSeq } from "../storage/events";
import { insertWebhook, markWebhookDeleted, type WebhookFormat, type WebhookRecord } from "../storage/webhooks";
import { auditActor, type ChangeContext } from "./change-context";

export interface CreateWebhookInput {
	url: string;
	events: string[];
	workers?: string[];
	format?: WebhookFormat;
	description?: string;
}

/** Worker patterns as scopes take them (`*`, a name, `prefix-*`); a bad one is a 400 that says which. */
function checkedPatterns(patterns: string[] | undefined): string[] | null {
	if (patterns === undefined) return null;
	patterns.forEach((pattern, i) => {
		const grant = parseGrant(`read:${pattern}`);
		if ("error" in grant) {
			throw new ApiError("invalid_request", `Invalid request: workers[${i}]: ${grant.error}`, {
				issues: [{ path: `workers[${i}]`, message: grant.error }],
			});
		}
	});
	return [...new Set(patterns)];
}

/**
 * Creates a webhook. A Standard Webhooks receiver gets a `whsec_` signing secret, returned here once; the
 * URL and the secret are stored encrypted. It hears of events from now on, not of earlier ones.
 */
export async function createWebhook(
	ctx: ChangeContext,
	input: CreateWebhookInput,
): Promise<{ record: WebhookRecord; secret: string | null }> {
	const url = checkWebhookUrl(input.url);
	const format: WebhookFormat = input.format ?? (isSlackUrl(url) ? "slack" : "standard");
	const secret = format === "standard" ? newSigningSecret() : null;
	const id = ctx.deps.ids.uuid();
	const sealed = await sealTarget(ctx.env, ctx.deps, id, { url: url.href, secret });
	const record: WebhookRecord = {
		id,
		format,
		url_display: displayUrl(url, format),
		events: [...new Set(input.events)],
		workers: checkedPatterns(input.workers),
		description: input.description ?? null,
		created_on: ctx.deps.clock.now().toISOString(),
		created_by: ctx.principal.id,
		deleted_on: null,
		cursor: await lastEventSeq(ctx.env.DB),
	};
	await insertWebhook(ctx.env.DB, { ...record, ...sealed });
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "webhook.create",
			outcome: "success",
			target_type: "webhook",
			target_id: id,
			details: { url: record.url_display, format, events: record.events, workers: record.workers },
		}),
	);
	return { record, secret };
}

export async function deleteWebhook(ctx: ChangeContext, id: string): Promise<WebhookRecord> {
	const record = await markWebhookDeleted(ctx.env.DB, id, ctx.deps.clock.now().toISOString());
	if (!record) throw new ApiError("not_found", `No webhook has the id ${id}.`);
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "webhook.delete",
			outcome: "success",
			target_type: "webhook",
			target_id: id,
			details: { url: record.url_display },
		}),
	);
	return record;
}

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AUDIT_SOURCES, type AuditEntry, OUTCOMES } from "../../audit-log/entry";
import { readVisibleAuditLog } from "../../audit-log/read-visible";
import { PRINCIPAL_KINDS } from "../../auth/principal";
import { requireScope } from "../../auth/require-scope";
import { needs } from "../../auth/route-policy";
import { WORKER_NAME } from "../../core/model";
import type { AppEnv } from "../../http/app-env";
import { validationHook } from "../../http/errors";
import { decodeAuditCursor } from "../../storage/audit-log";
import { errorResponses } from "./schemas";

export const AuditEntrySchema = z
	.object({
		id: z.string(),
		at: z.string(),
		actor: z.object({
			principal: z.string().nullable().openapi({ description: "null when the caller could not be identified" }),
			kind: z.enum(PRINCIPAL_KINDS).nullable(),
			token_prefix: z.string().nullable(),
			source: z.enum(AUDIT_SOURCES),
		}),
		action: z.string().openapi({ example: "worker.rollback" }),
		outcome: z.enum(OUTCOMES),
		status: z.number().int().nullable().openapi({ description: "The HTTP status of a refusal" }),
		worker: z.string().nullable(),
		target: z.object({
			version_id: z.string().nullable(),
			deployment_id: z.string().nullable(),
			type: z.string().nullable().openapi({ description: "token, webhook, resource" }),
			id: z.string().nullable(),
		}),
		reason: z.string().nullable(),
		message: z.string().nullable(),
		details: z.record(z.string(), z.unknown()).nullable(),
		request_id: z.string().nullable(),
	})
	.openapi("AuditEntry");

const present = (e: AuditEntry): z.infer<typeof AuditEntrySchema> => ({
	id: e.id,
	at: e.at,
	actor: { principal: e.principal_id, kind: e.principal_kind, token_prefix: e.token_prefix, source: e.source },
	action: e.action,
	outcome: e.outcome,
	status: e.status,
	worker: e.worker,
	target: { version_id: e.version_id, deployment_id: e.deployment_id, type: e.target_type, id: e.target_id },
	reason: e.reason,
	message: e.message,
	details: e.details,
	request_id: e.request_id,
});

const auditLogRoute = createRoute({
	method: "get",
	path: "/",
	tags: ["Audit log"],
	...needs(null, "audit_log.read", "some"),
	summary: "Every change and every refusal, newest first; each caller sees the entries of what it may read",
	request: {
		query: z.object({
			worker: z.string().regex(WORKER_NAME).optional(),
			principal: z.string().max(254).optional(),
			action: z.string().max(64).optional(),
			outcome: z.enum(OUTCOMES).optional(),
			since: z.iso.datetime({ offset: true }).optional().openapi({ description: "At or after (ISO 8601)" }),
			until: z.iso.datetime({ offset: true }).optional().openapi({ description: "Before (ISO 8601)" }),
			cursor: z.string().max(200).optional(),
			limit: z.coerce.number().int().min(1).max(200).default(50),
		}),
	},
	responses: {
		200: {
			description: "A page of entries",
			content: {
				"application/json": {
					schema: z
						.object({
							items: z.array(AuditEntrySchema),
							next_cursor: z.string().nullable().openapi({
								description: "Pass as ?cursor= for more; a page can be short when entries were filtered out",
							}),
						})
						.openapi("AuditLogPage"),
				},
			},
		},
		...errorResponses(400, 401, 403),
	},
});

const iso = (text: string | undefined) => (text === undefined ? undefined : new Date(text).toISOString());

export const auditLogRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
	auditLogRoute,
	async (c) => {
		const query = c.req.valid("query");
		const grants = c.var.principal.grants;
		if (query.worker) requireScope(grants, { scope: "read", worker: query.worker });
		const filter = { ...query, since: iso(query.since), until: iso(query.until) };
		const page = await readVisibleAuditLog(c.env.DB, grants, filter, decodeAuditCursor(query.cursor), query.limit);
		return c.json({ items: page.items.map(present), next_cursor: page.next_cursor }, 200);
	},
);

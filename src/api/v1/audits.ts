import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { findingVisibleTo } from "../../audit/finding-visibility";
import { startAudit } from "../../audit/run-audit";
import { needs } from "../../auth/route-policy";
import { ApiError, unwrap } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { validationHook } from "../../http/errors";
import { findingsOfRun, listFindings } from "../../storage/audit-findings";
import { getRun, listRuns } from "../../storage/audit-runs";
import { decodeCursor } from "../../storage/pagination";
import {
	AuditRunDetailSchema,
	AuditRunSchema,
	CheckSchema,
	FindingSchema,
	presentFinding,
	presentRun,
	SeveritySchema,
} from "./audit-schemas";
import { errorResponses, IdParam, PageQuery, pageOf, WorkerNameParam } from "./schemas";

const tags = ["Audits"];

const visible = findingVisibleTo;

const listRunsRoute = createRoute({
	method: "get",
	path: "/audits",
	tags,
	...needs("read", "audit.list", "some"),
	summary: "Audit runs, newest first (a running run shows its progress)",
	request: { query: PageQuery(20) },
	responses: {
		200: {
			description: "A page of runs",
			content: { "application/json": { schema: pageOf(AuditRunSchema, "AuditRunPage") } },
		},
		...errorResponses(400, 401),
	},
});

const getRunRoute = createRoute({
	method: "get",
	path: "/audits/{run_id}",
	tags,
	...needs("read", "audit.read", "some"),
	summary: "One audit run: its checks, figures, duration, and the findings it opened and closed",
	request: { params: z.object({ run_id: IdParam("run_id") }) },
	responses: {
		200: { description: "The run", content: { "application/json": { schema: AuditRunDetailSchema } } },
		...errorResponses(400, 401, 404),
	},
});

const startRoute = createRoute({
	method: "post",
	path: "/audits",
	tags,
	...needs("admin", "audit.run", "account"),
	summary: "Run an audit now (or see the one already running); it goes on in the background",
	responses: {
		202: {
			description: "The run: new (started: true), or the one in progress (started: false)",
			content: {
				"application/json": { schema: z.object({ started: z.boolean(), run: AuditRunSchema }).openapi("AuditStarted") },
			},
		},
		...errorResponses(401, 503),
	},
});

const listFindingsRoute = createRoute({
	method: "get",
	path: "/findings",
	tags,
	...needs("read", "finding.list", "some"),
	summary: "Findings, newest first: open ones unless status says otherwise; filter by Worker, check, severity",
	request: {
		query: PageQuery(50).extend({
			status: z.enum(["open", "closed", "all"]).default("open"),
			worker: WorkerNameParam.optional().openapi({ param: { name: "worker", in: "query" } }),
			check: CheckSchema.optional(),
			severity: SeveritySchema.optional(),
		}),
	},
	responses: {
		200: {
			description: "A page of findings",
			content: { "application/json": { schema: pageOf(FindingSchema, "FindingPage") } },
		},
		...errorResponses(400, 401),
	},
});

export const auditsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(listRunsRoute, async (c) => {
		const { cursor, limit } = c.req.valid("query");
		const page = await listRuns(c.env.DB, limit, decodeCursor(cursor));
		return c.json({ items: page.items.map(presentRun), next_cursor: page.next_cursor }, 200);
	})
	.openapi(getRunRoute, async (c) => {
		const { run_id } = c.req.valid("param");
		const run = await getRun(c.env.DB, run_id);
		if (!run) throw new ApiError("not_found", `No audit run ${run_id}; GET /v1/audits lists them.`);
		const { opened, closed } = await findingsOfRun(c.env.DB, run.id, 100);
		const shown = visible(c.var.principal.grants);
		return c.json(
			{
				...presentRun(run),
				opened: opened.filter(shown).map(presentFinding),
				closed: closed.filter(shown).map(presentFinding),
			},
			200,
		);
	})
	.openapi(startRoute, async (c) => {
		const { run, started } = unwrap(await startAudit(c.env, "api"));
		c.header("Location", `/v1/audits/${run.id}`);
		return c.json({ started, run: presentRun(run) }, 202);
	})
	.openapi(listFindingsRoute, async (c) => {
		const { cursor, limit, status, worker, check, severity } = c.req.valid("query");
		const page = await listFindings(c.env.DB, { status, worker, check, severity }, limit, decodeCursor(cursor));
		const items = page.items.filter(visible(c.var.principal.grants)).map(presentFinding);
		return c.json({ items, next_cursor: page.next_cursor }, 200);
	});

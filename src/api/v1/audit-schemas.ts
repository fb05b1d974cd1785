import { z } from "@hono/zod-openapi";
import { type AuditRun, CHECKS, type Finding, PHASES, SEVERITIES } from "../../audit/model";

export const CheckSchema = z.enum(CHECKS).openapi({ description: "Which check saw it", example: "rollback_readiness" });
export const SeveritySchema = z.enum(SEVERITIES).openapi({ example: "warning" });

export const FindingSchema = z
	.object({
		id: z.string(),
		check: CheckSchema,
		worker: z.string().nullable().openapi({ description: "The Worker it is about; null for the account as a whole" }),
		subject: z.string().openapi({
			description: "What within the check and Worker it is about; (check, worker, subject) is its identity",
			example: "no_target",
		}),
		severity: SeveritySchema,
		status: z.enum(["open", "closed"]),
		message: z.string(),
		details: z.record(z.string(), z.unknown()),
		opened_on: z.string(),
		opened_run: z.string(),
		last_seen_on: z.string(),
		last_seen_run: z.string(),
		closed_on: z.string().nullable(),
		closed_run: z.string().nullable(),
	})
	.openapi("Finding");

const CheckCountsSchema = z.object({ examined: z.number().int(), found: z.number().int() });

export const AuditRunSchema = z
	.object({
		id: z.string(),
		number: z.number().int().openapi({ description: "Runs are numbered 1, 2, 3, ... as they start" }),
		trigger: z.string().openapi({ example: "cron:17 * * * *" }),
		status: z.enum(["running", "done", "failed"]),
		started_on: z.string(),
		finished_on: z.string().nullable(),
		duration_ms: z.number().int().nullable().openapi({ description: "Null while the run goes on" }),
		checks: z.array(CheckSchema),
		progress: z.object({
			phase: z.enum(PHASES),
			steps: z.number().int(),
			workers_total: z.number().int(),
			workers_checked: z.number().int(),
		}),
		findings: z.object({
			opened: z.number().int(),
			closed: z.number().int(),
			open: z.number().int().nullable().openapi({ description: "Open findings when the run finished" }),
		}),
		counts: z.object({
			checks: z.record(z.string(), CheckCountsSchema),
			integrity: z
				.object({
					slice: z.number().int(),
					checked: z.number().int(),
					bodies: z.number().int(),
					pass_completed_on: z.string().optional(),
				})
				.optional(),
			retention: z.object({ versions_pruned: z.number().int(), workers_pruned: z.number().int() }).optional(),
			gc: z
				.object({
					listed: z.number().int(),
					marked: z.number().int(),
					unmarked: z.number().int(),
					deleted: z.number().int(),
					pins_expired: z.number().int(),
				})
				.optional(),
			idempotency_keys_purged: z.number().int().optional(),
			subrequests: z.object({ max_per_step: z.number().int(), total: z.number().int() }),
		}),
		error: z.string().nullable(),
	})
	.openapi("AuditRun");

export const AuditRunDetailSchema = AuditRunSchema.extend({
	opened: z.array(FindingSchema).openapi({ description: "Findings this run opened (the first 100)" }),
	closed: z.array(FindingSchema).openapi({ description: "Findings this run closed (the first 100)" }),
}).openapi("AuditRunDetail");

export function presentFinding(f: Finding): z.infer<typeof FindingSchema> {
	return {
		...f,
		worker: f.worker === "" ? null : f.worker,
		status: f.closed_on === null ? "open" : "closed",
		details: f.details as Record<string, unknown>,
	};
}

export function presentRun(run: AuditRun): z.infer<typeof AuditRunSchema> {
	const { failures: _failures, ...counts } = run.counts;
	return {
		id: run.id,
		number: run.number,
		trigger: run.trigger,
		status: run.status,
		started_on: run.started_on,
		finished_on: run.finished_on,
		duration_ms:
			run.finished_on === null ? null : new Date(run.finished_on).getTime() - new Date(run.started_on).getTime(),
		checks: run.checks,
		progress: {
			phase: run.phase,
			steps: run.steps,
			workers_total: run.workers_total,
			workers_checked: run.workers_checked,
		},
		findings: { opened: run.findings_opened, closed: run.findings_closed, open: run.findings_open },
		counts: { ...counts, checks: counts.checks as Record<string, { examined: number; found: number }> },
		error: run.error,
	};
}

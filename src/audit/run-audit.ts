import type { Result } from "../errors/api-error";
import { auditRunner } from "./audit-runner";
import type { AuditRun } from "./model";

/**
 * Starts an audit run (the hourly cron, or POST /v1/audits): the AuditRunner carries it out step by step and
 * records it in audit_runs. A run already in progress is the answer instead of a second one.
 */
export function startAudit(env: Env, trigger: string): Promise<Result<{ run: AuditRun; started: boolean }>> {
	return auditRunner(env).start(trigger);
}

import { auditEntry, recordAudit } from "../audit-log/record";
import { MAX_SCHEDULES, parseCron } from "../core/cron";
import { ApiError } from "../errors/api-error";
import { getSchedules, replaceSchedules, type ScheduleRecord } from "../storage/cron-runs";
import { auditActor, type ChangeContext } from "./change-context";

/**
 * Sets a managed Worker's cron triggers (wrangler's `PUT .../schedules` after a deploy, or `wrangler triggers
 * deploy`). Like Cloudflare's, they are not part of a version: the cron runs whatever deployment is active when
 * it fires (src/runtime/cron). Every cron is checked first; a bad one refuses the whole request.
 */
export async function putSchedules(
	ctx: ChangeContext,
	command: { worker: string; crons: string[] },
): Promise<ScheduleRecord[]> {
	const crons = [...new Set(command.crons.map((cron) => cron.trim().replace(/\s+/g, " ")))];
	if (crons.length > MAX_SCHEDULES) {
		throw ApiError.because(
			"invalid_request",
			"invalid_cron",
			`A Worker may have at most ${MAX_SCHEDULES} cron triggers; ${crons.length} were sent.`,
		);
	}
	for (const cron of crons) parseCron(cron);
	const before = (await getSchedules(ctx.env.DB, command.worker)).map((s) => s.cron);
	await replaceSchedules(ctx.env.DB, command.worker, crons, ctx.deps.clock.now().toISOString());
	const changed = before.length !== crons.length || before.some((cron) => !crons.includes(cron));
	await recordAudit(
		ctx.env.DB,
		auditEntry(ctx.deps, auditActor(ctx), {
			action: "worker.schedules",
			outcome: changed ? "success" : "unchanged",
			target_type: "worker",
			target_id: command.worker,
			worker: command.worker,
			details: { before, after: crons },
		}),
	);
	return getSchedules(ctx.env.DB, command.worker);
}

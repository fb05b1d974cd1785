import { DurableObject } from "cloudflare:workers";
import { SerialQueue } from "../coordinator/serial-queue";
import { systemDeps } from "../deps/deps";
import type { Result } from "../errors/api-error";
import { recordStepFailure, runningRun } from "../storage/audit-runs";
import { startRun, stepRun } from "./audit-run";
import type { AuditRun } from "./model";

/** After this many failed attempts in a row at the same step, the run is marked failed (the next cron starts anew). */
const MAX_FAILURES = 12;
const backoffMs = (failures: number) => Math.min(60_000, 1_000 * 2 ** (failures - 1));

/**
 * Carries out audit runs, one at a time, one bounded step per alarm (src/audit/audit-run.ts). Every step is a
 * fresh invocation with its own subrequest and CPU budget, so a run over 10,000 Workers is a few hundred small
 * steps rather than one long one; an alarm is retried until it succeeds, and the run's progress lives in D1,
 * so a run interrupted anywhere goes on from its last committed step. One instance, by name ("audit").
 */
export class AuditRunner extends DurableObject<Env> {
	private readonly queue = new SerialQueue();
	private readonly deps = systemDeps;

	/** Starts a run (or answers with the one in progress) and schedules its first step. */
	start(trigger: string): Promise<Result<{ run: AuditRun; started: boolean }>> {
		return this.queue
			.run(async () => {
				const outcome = await startRun(this.env, this.deps, trigger);
				await this.ctx.storage.setAlarm(Date.now());
				return { ok: true as const, value: outcome };
			})
			.catch((error: unknown) => {
				console.error(JSON.stringify({ at: "audit.start", error: String(error) }));
				return {
					ok: false as const,
					error: { code: "unavailable" as const, message: "The audit could not be started; retry shortly." },
				};
			});
	}

	override async alarm(): Promise<void> {
		await this.queue.run(async () => {
			const run = await runningRun(this.env.DB);
			if (!run) return;
			try {
				const after = await stepRun(this.env, this.deps, run.id);
				if (after?.status === "running") await this.ctx.storage.setAlarm(Date.now());
			} catch (error) {
				const failures = (run.counts.failures ?? 0) + 1;
				console.error(
					JSON.stringify({ at: "audit.step", run: run.id, phase: run.phase, failures, error: String(error) }),
				);
				const giveUp = failures >= MAX_FAILURES ? { at: this.deps.clock.now().toISOString() } : null;
				await recordStepFailure(this.env.DB, run, String(error), failures, giveUp).catch(() => undefined);
				if (!giveUp) await this.ctx.storage.setAlarm(Date.now() + backoffMs(failures));
			}
		});
	}
}

/** The one AuditRunner of the account. */
export const auditRunner = (env: Env) => env.AUDITS.getByName("audit");

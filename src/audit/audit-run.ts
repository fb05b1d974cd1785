import { GUARD_FAILURE } from "../coordinator/commit";
import type { Deps } from "../deps/deps";
import {
	closeFindingsOfMissingWorkers,
	findingWrites,
	markNotified,
	openFindingsIn,
	pendingTransitions,
	purgeClosedFindings,
} from "../storage/audit-findings";
import { getRun, guardStep, insertRun, purgeRuns, runningRun, saveProgress } from "../storage/audit-runs";
import { purgeExpiredKeys } from "../storage/idempotency";
import { releaseGuard } from "../storage/workers";
import { configuredKeyring, type SecretKeyring } from "./checks/secrets";
import { auditConfig } from "./config";
import { Meter } from "./meter";
import { type AuditRun, CHECKS, type Phase } from "./model";
import { notifyFindingTransitions } from "./notify";
import { gcMarkStep, gcSweepStep } from "./phase-gc";
import { integrityStep } from "./phase-integrity";
import { resourcesStep } from "./phase-resources";
import { workersStep } from "./phase-workers";
import { reconcile } from "./reconcile";
import { type Notifier, nothingSeen, type StepContext, type StepWork } from "./step";

export interface RunOptions {
	/** Where transitions go; notifyFindingTransitions unless a test listens itself. */
	notify?: Notifier;
	/** Which key sealed each secret value (default: the configured key ring). */
	keyring?: SecretKeyring;
}

const PHASE_STEPS: Record<Exclude<Phase, "done">, (ctx: StepContext) => Promise<StepWork>> = {
	workers: workersStep,
	integrity: integrityStep,
	resources: resourcesStep,
	gc_mark: gcMarkStep,
	gc_sweep: gcSweepStep,
	finish: finishStep,
};

/** Starts a run unless one is in progress (then that one is the answer): at most one run at a time. */
export async function startRun(env: Env, deps: Deps, trigger: string): Promise<{ run: AuditRun; started: boolean }> {
	const running = await runningRun(env.DB);
	if (running) return { run: running, started: false };
	const total = await env.DB.prepare("SELECT count(*) AS n FROM workers").first<{ n: number }>();
	try {
		const run = await insertRun(env.DB, {
			id: deps.ids.uuid(),
			trigger,
			started_on: deps.clock.now().toISOString(),
			checks: [...CHECKS],
			workers_total: total?.n ?? 0,
		});
		return { run, started: true };
	} catch (error) {
		// The unique index on running runs: another start won the race.
		const winner = await runningRun(env.DB);
		if (winner) return { run: winner, started: false };
		throw error;
	}
}

/**
 * One bounded step of a run: reads where the run is, does that phase's next piece of work, and commits the
 * findings it opened, kept and closed together with the run's progress in one D1 batch, guarded by the number
 * of steps committed so far (a step delivered twice lands once). Then notifies the transitions. A step that
 * fails commits nothing, and the same step runs again: that is what makes a run resumable.
 */
export async function stepRun(env: Env, deps: Deps, runId: string, options: RunOptions = {}): Promise<AuditRun | null> {
	const meter = new Meter();
	const metered = meter.meteredEnv(env);
	const run = await getRun(metered.DB, runId);
	if (run?.status !== "running" || run.phase === "done") return run;
	const now = deps.clock.now();
	const ctx: StepContext = {
		env: metered,
		deps,
		run,
		now,
		at: now.toISOString(),
		config: auditConfig(env),
		keyring: options.keyring ?? (await configuredKeyring(env)),
	};
	const work = await PHASE_STEPS[run.phase](ctx);
	const open = await openFindingsIn(metered.DB, work.scopes);
	const changes = reconcile(open, work.observed, work.scopes);
	const finished = work.next.phase === "done";
	const transitions = changes.opened.length + changes.closed.length;
	const subrequests = meter.count + 1 + (transitions > 0 || finished ? 2 : 0);
	const next: AuditRun = {
		...work.run,
		phase: work.next.phase,
		cursor: work.next.cursor,
		status: finished ? "done" : "running",
		finished_on: finished ? ctx.at : null,
		findings_opened: work.run.findings_opened + changes.opened.length,
		findings_closed: work.run.findings_closed + changes.closed.length,
		error: work.run.error === run.error ? null : work.run.error,
		counts: {
			...work.run.counts,
			failures: 0,
			subrequests: {
				max_per_step: Math.max(work.run.counts.subrequests.max_per_step, subrequests),
				total: work.run.counts.subrequests.total + subrequests,
			},
		},
	};
	const db = env.DB;
	const statements = [
		guardStep(db, run),
		...findingWrites(db, changes, { id: run.id, at: ctx.at, newId: () => deps.ids.uuid() }),
		...work.statements,
		saveProgress(db, next),
	];
	if (finished) {
		statements.push(
			db
				.prepare(
					"UPDATE audit_runs SET findings_open = (SELECT count(*) FROM audit_findings WHERE closed_on IS NULL) WHERE id = ?1",
				)
				.bind(run.id),
		);
	}
	statements.push(releaseGuard(db));
	try {
		// Through the metered binding: it hands D1 the statements the phase built on it as they are.
		await metered.DB.batch(statements);
	} catch (error) {
		// Another delivery of this step committed first: what it wrote is the step's outcome.
		if (GUARD_FAILURE.test(String(error))) return getRun(db, runId);
		throw error;
	}
	if (transitions > 0 || finished || run.steps === 0) {
		await deliver(env, deps, options.notify ?? ((t) => notifyFindingTransitions(env, deps, t)));
	}
	return getRun(db, runId);
}

/** Steps a run until it finishes (tests and small accounts; the AuditRunner takes one step per alarm). */
export async function runToCompletion(
	env: Env,
	deps: Deps,
	runId: string,
	options: RunOptions = {},
): Promise<AuditRun> {
	for (;;) {
		const run = await stepRun(env, deps, runId, options);
		if (!run) throw new Error(`audit run ${runId} is gone`);
		if (run.status !== "running") return run;
	}
}

/** Hands committed transitions not yet notified to the notifier (an outbox), oldest first. */
async function deliver(env: Env, deps: Deps, notify: Notifier): Promise<void> {
	for (let round = 0; round < 10; round++) {
		const pending = await pendingTransitions(env.DB, 100);
		if (pending.length === 0) return;
		try {
			await notify(pending);
		} catch (error) {
			console.error(JSON.stringify({ at: "audit.notify", error: String(error) }));
			return;
		}
		await markNotified(env.DB, pending, deps.clock.now().toISOString());
		if (pending.length < 100) return;
	}
}

/** The end of a run: findings about Workers that are gone, old runs and expired idempotency keys go. */
async function finishStep(ctx: StepContext): Promise<StepWork> {
	const { env, run } = ctx;
	const keep = new Date(ctx.now.getTime() - ctx.config.keep_ms).toISOString();
	const purged = await purgeExpiredKeys(env.DB, ctx.now);
	const work = nothingSeen(
		ctx,
		{ phase: "done", cursor: null },
		{
			...run,
			counts: { ...run.counts, idempotency_keys_purged: purged },
		},
	);
	work.statements.push(
		closeFindingsOfMissingWorkers(env.DB, { id: run.id, at: ctx.at }),
		env.DB.prepare("DELETE FROM audit_worker_resources WHERE worker NOT IN (SELECT name FROM workers)"),
		purgeRuns(env.DB, keep),
		purgeClosedFindings(env.DB, keep),
	);
	return work;
}

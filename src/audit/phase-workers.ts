import { coordinatorFor } from "../services/coordinator";
import { consistencyFindings } from "./checks/consistency";
import { driftFindings } from "./checks/drift";
import { activeResources, danglingBindingFindings } from "./checks/resources";
import { readinessFindings } from "./checks/rollback-readiness";
import { secretFindings } from "./checks/secrets";
import { staleRolloutFindings } from "./checks/stale-rollouts";
import { CHECKS, type CheckName, type Observation, type Scope } from "./model";
import { pool } from "./pool";
import { nothingSeen, type StepContext, type StepWork, tally } from "./step";
import { loadWorkerFacts, type WorkerFacts } from "./worker-facts";

/** Versions a step keeps in memory at most (workers × rollback window), whatever the batch size says. */
const MAX_WINDOW_ROWS = 5_000;
const PRUNE_LIMIT = 200;
const PER_WORKER: CheckName[] = CHECKS.filter((c) => c !== "integrity");

/**
 * One batch of Workers, in name order after the cursor: retention first (through each Worker's coordinator),
 * then every per-Worker check on the same facts. Closes what these Workers no longer show, nothing else.
 */
export async function workersStep(ctx: StepContext): Promise<StepWork> {
	const { env, config } = ctx;
	const size = Math.min(config.batch_workers, Math.max(1, Math.floor(MAX_WINDOW_ROWS / config.rollback.window)));
	const { results } = await env.DB.prepare("SELECT name FROM workers WHERE name > ?1 ORDER BY name LIMIT ?2")
		.bind(ctx.run.cursor ?? "", size)
		.all<{ name: string }>();
	const names = results.map((r) => r.name);
	if (names.length === 0) {
		return nothingSeen(
			ctx,
			{ phase: "integrity", cursor: null },
			{ ...ctx.run, workers_total: ctx.run.workers_checked },
		);
	}
	let run = await prune(ctx, names);
	const facts = await loadWorkerFacts(env, names, config.rollback);
	const observed = facts.flatMap((f) => observe(ctx, f));
	const scopes: Scope[] = facts.flatMap((f) => PER_WORKER.map((check) => ({ check, worker: f.record.name })));
	for (const check of PER_WORKER) {
		run = tally(run, check, facts.length, observed.filter((o) => o.check === check).length);
	}
	const bound = facts.flatMap((f) => activeResources(f).map((r) => ({ worker: f.record.name, ...r })));
	const statements = [
		env.DB.prepare("DELETE FROM audit_worker_resources WHERE worker IN (SELECT value FROM json_each(?1))").bind(
			JSON.stringify(names),
		),
		env.DB.prepare(
			`INSERT OR IGNORE INTO audit_worker_resources (worker, type, id)
			 SELECT json_extract(value, '$.worker'), json_extract(value, '$.type'), json_extract(value, '$.id') FROM json_each(?1)`,
		).bind(JSON.stringify(bound)),
	];
	const last = names.at(-1) ?? null;
	run = {
		...run,
		workers_checked: run.workers_checked + facts.length,
		workers_total: Math.max(run.workers_total, run.workers_checked + facts.length),
	};
	return { observed, scopes, statements, next: { phase: "workers", cursor: last }, run };
}

function observe(ctx: StepContext, f: WorkerFacts): Observation[] {
	const { config, now } = ctx;
	return [
		...consistencyFindings(f),
		...driftFindings(f),
		...readinessFindings(f, config.rollback, now, config.rollback_target_max_age_ms),
		...staleRolloutFindings(f, now, config.stale_rollout_ms),
		...secretFindings(f, ctx.keyring, now, config.secret_max_age_ms),
		...danglingBindingFindings(f),
	];
}

/**
 * Retention (SHIPLOG_RETENTION_DAYS) for the Workers of the batch that have versions past it: one SQL question
 * for the batch, then the pruning itself through each such Worker's coordinator, the single writer of its log.
 */
async function prune(ctx: StepContext, names: string[]) {
	const { env, config, run } = ctx;
	if (config.retention_ms === null) return run;
	const cutoff = new Date(ctx.now.getTime() - config.retention_ms).toISOString();
	const window = config.rollback.window;
	const { results } = await env.DB.prepare(
		`SELECT DISTINCT v.worker FROM versions v JOIN workers w ON w.name = v.worker
		 WHERE v.worker IN (SELECT value FROM json_each(?1)) AND v.created_on < ?2 AND v.number <= w.version_count - ?3`,
	)
		.bind(JSON.stringify(names), cutoff, window)
		.all<{ worker: string }>();
	const outcomes = await pool(results, 8, async ({ worker }) =>
		coordinatorFor(env, worker).prune({ worker, at: ctx.at, cutoff, window, limit: PRUNE_LIMIT }),
	);
	const pruned = outcomes.reduce((n, o) => n + (o.ok ? o.value.pruned : 0), 0);
	const failed = outcomes.filter((o) => !o.ok).length;
	const before = run.counts.retention ?? { versions_pruned: 0, workers_pruned: 0 };
	return {
		...run,
		error: failed > 0 ? `retention could not prune ${failed} Worker(s) this time; the next run tries again` : run.error,
		counts: {
			...run.counts,
			retention: {
				versions_pruned: before.versions_pruned + pruned,
				workers_pruned: before.workers_pruned + outcomes.filter((o) => o.ok && o.value.pruned > 0).length,
			},
		},
	};
}

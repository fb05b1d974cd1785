/** The checks an audit run performs, in the order a run reports them. */
export const CHECKS = [
	"consistency",
	"drift",
	"integrity",
	"rollback_readiness",
	"stale_rollouts",
	"secrets",
	"resources",
] as const;
export type CheckName = (typeof CHECKS)[number];

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What a check saw in this run. Its identity is (check, worker, subject): the same identity seen by the next
 * run is the same finding, still open; it is not opened (or notified) again.
 */
export interface Observation {
	check: CheckName;
	/** The Worker it is about; "" for the account as a whole (a resource no Worker binds). */
	worker: string;
	subject: string;
	severity: Severity;
	message: string;
	details?: object;
}

/**
 * What a run examined, and so may close findings about: every subject of a check for one Worker, or one
 * subject of a check for any Worker (a module body, examined by the integrity slice whichever Worker uses it).
 * A finding outside every scope of a run is left as it is, open or not.
 */
export type Scope = { check: CheckName; worker: string } | { check: CheckName; subject: string };

export interface Finding {
	id: string;
	check: CheckName;
	worker: string;
	subject: string;
	severity: Severity;
	message: string;
	details: object;
	opened_on: string;
	opened_run: string;
	last_seen_on: string;
	last_seen_run: string;
	closed_on: string | null;
	closed_run: string | null;
}

/** A finding that opened or closed, as handed to the notifier (webhooks, Slack) once per transition. */
export interface FindingTransition {
	event: "finding.opened" | "finding.closed";
	at: string;
	run_id: string;
	finding: Finding;
}

export const identity = (f: Pick<Observation, "check" | "worker" | "subject">) =>
	`${f.check}\u0000${f.worker}\u0000${f.subject}`;

export function inScope(f: Pick<Observation, "check" | "worker" | "subject">, scope: Scope): boolean {
	if (f.check !== scope.check) return false;
	return "worker" in scope ? f.worker === scope.worker : f.subject === scope.subject;
}

/**
 * Where a run is. A run walks the Workers in name order, then one slice of module bodies (integrity), the
 * resource registry, and the bucket (garbage collection: mark, then sweep), then finishes.
 */
export const PHASES = ["workers", "integrity", "resources", "gc_mark", "gc_sweep", "finish", "done"] as const;
export type Phase = (typeof PHASES)[number];

export interface CheckCounts {
	/** Subjects examined: Workers for the per-Worker checks, module bodies for integrity, resources for resources. */
	examined: number;
	/** Observations made (findings seen, new or persisting). */
	found: number;
}

/** Figures a run collects as it goes; GET /v1/audits/:id shows them while it runs. */
export interface RunCounts {
	checks: Partial<Record<CheckName, CheckCounts>>;
	integrity?: {
		/** Bodies this run checks (a share of all referenced bodies, so that all are checked within the period). */
		slice: number;
		checked: number;
		/** Distinct module bodies that versions reference. */
		bodies: number;
		/** When the cursor last went round every body. */
		pass_completed_on?: string;
	};
	retention?: { versions_pruned: number; workers_pruned: number };
	gc?: { listed: number; marked: number; unmarked: number; deleted: number; pins_expired: number };
	idempotency_keys_purged?: number;
	/** D1 queries, R2 operations and Durable Object calls: per step at most, and in all. */
	subrequests: { max_per_step: number; total: number };
	/** Consecutive failed attempts at the current step (reset when a step commits). */
	failures?: number;
}

export interface AuditRun {
	id: string;
	number: number;
	trigger: string;
	status: "running" | "done" | "failed";
	started_on: string;
	finished_on: string | null;
	checks: CheckName[];
	phase: Phase;
	cursor: string | null;
	steps: number;
	workers_total: number;
	workers_checked: number;
	findings_opened: number;
	findings_closed: number;
	findings_open: number | null;
	counts: RunCounts;
	error: string | null;
}

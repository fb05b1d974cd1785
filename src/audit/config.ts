import type { RollbackPolicy } from "../core/rollback-eligibility";
import { rollbackPolicy } from "../services/policy";

const DAY_MS = 24 * 60 * 60 * 1000;

/** What an audit run is configured to do (wrangler.toml [vars], documented there). */
export interface AuditConfig {
	stale_rollout_ms: number;
	/** null: never report old rollback targets. */
	rollback_target_max_age_ms: number | null;
	/** null: secrets' age is not reported (the default). */
	secret_max_age_ms: number | null;
	integrity_period_hours: number;
	/** Each run checks at least this many bodies (a small account: all of them, every run). */
	integrity_min_slice: number;
	batch_workers: number;
	keep_ms: number;
	/** null: versions are kept forever. */
	retention_ms: number | null;
	/** null: unreferenced module bodies are kept forever. */
	gc_grace_ms: number | null;
	rollback: RollbackPolicy;
}

type AuditVars = Partial<
	Pick<
		Env,
		| "SHIPLOG_AUDIT_STALE_ROLLOUT_SECONDS"
		| "SHIPLOG_AUDIT_ROLLBACK_TARGET_MAX_AGE_DAYS"
		| "SHIPLOG_AUDIT_SECRET_MAX_AGE_DAYS"
		| "SHIPLOG_AUDIT_INTEGRITY_PERIOD_HOURS"
		| "SHIPLOG_AUDIT_INTEGRITY_MIN_SLICE"
		| "SHIPLOG_AUDIT_BATCH_WORKERS"
		| "SHIPLOG_AUDIT_KEEP_DAYS"
		| "SHIPLOG_RETENTION_DAYS"
		| "SHIPLOG_GC_GRACE_DAYS"
		| "SHIPLOG_ROLLBACK_WINDOW"
		| "SHIPLOG_ROLLBACK_ALLOW_D1"
	>
>;

/** A non-negative number, or `fallback` when the variable is unset or unreadable; "" reads as `empty`. */
function number<T>(raw: string | undefined, fallback: number, empty: T): number | T {
	if (raw === undefined) return fallback;
	if (raw.trim() === "") return empty;
	const value = Number(raw);
	return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function auditConfig(vars: AuditVars): AuditConfig {
	const days = (raw: string | undefined, fallback: number | null) => {
		const value = number(raw, fallback ?? -1, null);
		return value === null || value < 0 ? null : value * DAY_MS;
	};
	return {
		stale_rollout_ms: (number(vars.SHIPLOG_AUDIT_STALE_ROLLOUT_SECONDS, 86_400, 86_400) as number) * 1000,
		rollback_target_max_age_ms: days(vars.SHIPLOG_AUDIT_ROLLBACK_TARGET_MAX_AGE_DAYS, 30),
		secret_max_age_ms: days(vars.SHIPLOG_AUDIT_SECRET_MAX_AGE_DAYS, null),
		integrity_period_hours: Math.max(1, number(vars.SHIPLOG_AUDIT_INTEGRITY_PERIOD_HOURS, 168, 168) as number),
		integrity_min_slice: Math.max(1, Math.floor(number(vars.SHIPLOG_AUDIT_INTEGRITY_MIN_SLICE, 100, 100) as number)),
		batch_workers: Math.min(200, Math.max(1, Math.floor(number(vars.SHIPLOG_AUDIT_BATCH_WORKERS, 50, 50) as number))),
		keep_ms: (days(vars.SHIPLOG_AUDIT_KEEP_DAYS, 90) ?? 90 * DAY_MS) as number,
		retention_ms: days(vars.SHIPLOG_RETENTION_DAYS, null),
		gc_grace_ms: days(vars.SHIPLOG_GC_GRACE_DAYS, 7),
		rollback: rollbackPolicy(vars),
	};
}

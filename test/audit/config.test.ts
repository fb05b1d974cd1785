import { describe, expect, it } from "vitest";
import { auditConfig } from "../../src/audit/config";

const DAY = 86_400_000;

describe("audit configuration", () => {
	it("has safe defaults: GC after 7 days, versions kept forever, secrets' age not reported", () => {
		const config = auditConfig({});
		expect(config).toMatchObject({
			stale_rollout_ms: 86_400_000,
			rollback_target_max_age_ms: 30 * DAY,
			secret_max_age_ms: null,
			integrity_period_hours: 168,
			integrity_min_slice: 100,
			batch_workers: 50,
			retention_ms: null,
			gc_grace_ms: 7 * DAY,
		});
	});

	it("reads the vars, and an empty value turns an optional check or clean-up off", () => {
		const config = auditConfig({
			SHIPLOG_AUDIT_STALE_ROLLOUT_SECONDS: "60",
			SHIPLOG_AUDIT_ROLLBACK_TARGET_MAX_AGE_DAYS: "",
			SHIPLOG_AUDIT_SECRET_MAX_AGE_DAYS: "90",
			SHIPLOG_RETENTION_DAYS: "365",
			SHIPLOG_GC_GRACE_DAYS: "",
			SHIPLOG_AUDIT_BATCH_WORKERS: "10",
		});
		expect(config).toMatchObject({
			stale_rollout_ms: 60_000,
			rollback_target_max_age_ms: null,
			secret_max_age_ms: 90 * DAY,
			retention_ms: 365 * DAY,
			gc_grace_ms: null,
			batch_workers: 10,
		});
	});

	it("falls back to the default on anything unreadable, and keeps the batch within bounds", () => {
		const config = auditConfig({
			SHIPLOG_AUDIT_STALE_ROLLOUT_SECONDS: "soon",
			SHIPLOG_GC_GRACE_DAYS: "-1",
			SHIPLOG_AUDIT_BATCH_WORKERS: "100000",
		});
		expect(config.stale_rollout_ms).toBe(86_400_000);
		expect(config.gc_grace_ms).toBe(7 * DAY);
		expect(config.batch_workers).toBe(200);
	});
});

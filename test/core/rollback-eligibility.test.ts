import { describe, expect, it } from "vitest";
import type { Binding } from "../../src/core/bindings";
import type { Deployment, Version } from "../../src/core/model";
import { migrationMark, type RollbackFacts, rollbackEligibility } from "../../src/core/rollback-eligibility";
import { rollbackPolicy } from "../../src/services/policy";
import { aDeployment, aVersion } from "../fixtures/models";

const version = (number: number, extra: Partial<Version> = {}) => aVersion("w", number, { id: `v${number}`, ...extra });
const deploymentOf = (v: Version): Deployment => aDeployment("w", v.number, v.id, { id: `d-${v.id}` });

/** Facts for a Worker whose versions are `all` and whose active deployment runs the last of them. */
function facts(all: Version[], resources: Record<string, string | null> = {}): RollbackFacts {
	const active = all.at(-1) as Version;
	return {
		latest_version_number: active.number,
		active: deploymentOf(active),
		active_versions: [active],
		history: all.map(migrationMark),
		resources: new Map(Object.entries(resources).map(([k, deleted_on]) => [k, { deleted_on }])),
	};
}

const spec = { window: 10, allow_d1: false };
const codes = (r: { reasons: { code: string }[] }) => r.reasons.map((x) => x.code);
const secret = (name: string, ref: string): Binding => ({ name, type: "secret_text", secret_ref: ref });

describe("rollbackEligibility", () => {
	it("allows a rollback to an unremarkable earlier version", () => {
		const all = [version(1), version(2)];
		expect(rollbackEligibility(all[0] as Version, facts(all), spec, false)).toEqual({ eligible: true, reasons: [] });
	});

	it("refuses a version outside the window of the latest N versions, N from configuration", () => {
		const all = Array.from({ length: 12 }, (_, i) => version(i + 1));
		const oldest = all[1] as Version; // number 2: 12 - 10 + 1 = 3 is the oldest allowed
		const verdict = rollbackEligibility(oldest, facts(all), spec, false);
		expect(codes(verdict)).toEqual(["outside_window"]);
		expect(verdict.reasons[0]?.details).toMatchObject({ window: 10, oldest_allowed_number: 3 });
		expect(rollbackEligibility(all[2] as Version, facts(all), spec, false).eligible).toBe(true);
		expect(rollbackEligibility(oldest, facts(all), { ...spec, window: 100 }, false).eligible).toBe(true);
	});

	it("refuses when a Durable Object migration lies between the target and the active version", () => {
		const all = [
			version(1),
			version(2, { migration_tag: "v1", migrations: { new_tag: "v1", new_sqlite_classes: ["Room"] } }),
			version(3, { migration_tag: "v1" }),
		];
		const verdict = rollbackEligibility(all[0] as Version, facts(all), spec, false);
		expect(codes(verdict)).toEqual(["durable_object_migration"]);
		expect(verdict.reasons[0]?.details).toMatchObject({ versions: [2], target_tag: null, active_tags: ["v1"] });
		// After the migration, versions on the same tag are fine.
		const later = [...all, version(4, { migration_tag: "v1" })];
		expect(rollbackEligibility(later[2] as Version, facts(later), spec, false).eligible).toBe(true);
	});

	it("refuses when only the recorded tags differ (history before the window)", () => {
		const all = [version(1, { migration_tag: "a" }), version(2, { migration_tag: "b" })];
		const f = { ...facts(all), history: [] };
		expect(codes(rollbackEligibility(all[0] as Version, f, spec, false))).toEqual(["durable_object_migration"]);
	});

	it("refuses a target that binds an R2 bucket, KV namespace or queue that was deleted", () => {
		const target = version(1, {
			bindings: [
				{ name: "B", type: "r2_bucket", bucket_name: "photos" },
				{ name: "K", type: "kv_namespace", namespace_id: "ns" },
				{ name: "Q", type: "queue", queue_name: "jobs" },
			],
		});
		const all = [target, version(2)];
		const deleted = "2026-11-02T00:00:00.000Z";
		for (const gone of ["r2_bucket:photos", "kv_namespace:ns", "queue:jobs"]) {
			const verdict = rollbackEligibility(target, facts(all, { [gone]: deleted }), spec, false);
			expect(codes(verdict)).toEqual(["resource_deleted"]);
		}
		const alive = facts(all, { "r2_bucket:photos": null, "kv_namespace:ns": null });
		expect(rollbackEligibility(target, alive, spec, false).eligible).toBe(true);
	});

	it("refuses a target that binds D1 unless configuration lifts the rule", () => {
		const all = [version(1, { bindings: [{ name: "DB", type: "d1", database_id: "db1" }] }), version(2)];
		expect(codes(rollbackEligibility(all[0] as Version, facts(all), spec, false))).toEqual(["d1_binding"]);
		expect(rollbackEligibility(all[0] as Version, facts(all), { ...spec, allow_d1: true }, false).eligible).toBe(true);
	});

	it("refuses when secrets changed since the target unless forced, naming them", () => {
		const all = [
			version(1, { bindings: [secret("A", "r1"), secret("B", "r2"), secret("GONE", "r3")] }),
			version(2, { bindings: [secret("A", "r1"), secret("B", "r9"), secret("NEW", "r4")] }),
		];
		const verdict = rollbackEligibility(all[0] as Version, facts(all), spec, false);
		expect(verdict.eligible).toBe(false);
		expect(verdict.reasons).toEqual([
			expect.objectContaining({
				code: "secrets_changed",
				overridable: true,
				details: { secrets: ["B", "GONE", "NEW"] },
			}),
		]);
		expect(rollbackEligibility(all[0] as Version, facts(all), spec, true).eligible).toBe(true);
	});

	it("refuses a rollback to the version that already serves all traffic", () => {
		const all = [version(1), version(2)];
		expect(codes(rollbackEligibility(all[1] as Version, facts(all), spec, false))).toEqual(["already_active"]);
	});

	it("lists every reason that applies, and force overrides only the secrets one", () => {
		const target = version(1, {
			bindings: [
				{ name: "DB", type: "d1", database_id: "db1" },
				{ name: "K", type: "kv_namespace", namespace_id: "ns" },
				secret("S", "old"),
			],
		});
		const all = [
			target,
			version(2, { migration_tag: "v1", migrations: { new_tag: "v1", new_classes: ["Room"] } }),
			...Array.from({ length: 10 }, (_, i) => version(i + 3, { migration_tag: "v1", bindings: [secret("S", "new")] })),
		];
		const f = facts(all, { "kv_namespace:ns": "2026-11-02T00:00:00.000Z" });
		const verdict = rollbackEligibility(target, f, spec, true);
		expect(verdict.eligible).toBe(false);
		expect(codes(verdict)).toEqual([
			"outside_window",
			"durable_object_migration",
			"resource_deleted",
			"d1_binding",
			"secrets_changed",
		]);
	});
});

describe("rollbackPolicy", () => {
	it("defaults to the spec's window of 10 and D1 refused, and accepts windows up to 1000", () => {
		expect(rollbackPolicy({})).toEqual({ window: 10, allow_d1: false });
		expect(rollbackPolicy({ SHIPLOG_ROLLBACK_WINDOW: "100", SHIPLOG_ROLLBACK_ALLOW_D1: "true" })).toEqual({
			window: 100,
			allow_d1: true,
		});
		expect(rollbackPolicy({ SHIPLOG_ROLLBACK_WINDOW: "5000" }).window).toBe(1000);
		expect(rollbackPolicy({ SHIPLOG_ROLLBACK_WINDOW: "zero" }).window).toBe(10);
		expect(rollbackPolicy({ SHIPLOG_ROLLBACK_WINDOW: "0" }).window).toBe(10);
	});
});

import type { Deployment } from "../../core/model";
import { isSplit } from "../../core/traffic";
import type { HealthPolicy } from "../edge-config";
import { autoRollbackDecision, type RollbackDecision } from "./auto-rollback";
import { type Counts, HealthWindow, type TrafficReport } from "./health-window";

export interface VersionHealth {
	version_id: string;
	requests: number;
	errors: number;
	exceptions: number;
	error_rate: number;
}

export interface WorkerHealth {
	worker: string;
	window_seconds: number;
	/** Every version that served traffic within the window, across deployments. */
	versions: VersionHealth[];
	/** The active deployment's versions, counted within this deployment only (what auto-rollback judges). */
	active_deployment: { id: string; versions: (VersionHealth & { percentage: number })[] } | null;
	auto_rollback: { enabled: boolean; error_rate_threshold: number | null; min_requests: number };
}

/**
 * A Worker's traffic health as its coordinator keeps it: counts per (deployment, version) over a sliding
 * window, and whether a gradual rollout has failed badly enough to be rolled back. In memory only: counts
 * are telemetry over a short window, so losing them when the object restarts only delays an automatic
 * rollback, while writing them would cost a storage write per batch of requests (docs/edge.md).
 */
export class HealthMonitor {
	private readonly window: HealthWindow;
	/** Split deployments whose automatic rollback has started: it happens once per deployment. */
	private readonly rollingBack = new Set<string>();

	constructor(private readonly policy: HealthPolicy) {
		this.window = new HealthWindow(policy.windowMs, policy.perClient);
	}

	record(reports: TrafficReport[], now: number): void {
		this.window.add(reports, now);
	}

	/**
	 * Whether the split `active` should be rolled back now, judged on `newest`'s counts within it. A yes is
	 * given once per deployment; `abandon` takes it back when the rollback did not land.
	 */
	decide(active: Deployment, newest: string, now: number): RollbackDecision | null {
		if (!isSplit(active) || this.rollingBack.has(active.id)) return null;
		const counts = this.window.byVersion(now, active.id).get(newest);
		const decision = autoRollbackDecision(active, newest, counts, this.policy);
		if (decision) this.rollingBack.add(active.id);
		return decision;
	}

	abandon(deploymentId: string): void {
		this.rollingBack.delete(deploymentId);
	}

	report(worker: string, active: Deployment | null, now: number): WorkerHealth {
		const inActive = active ? this.window.byVersion(now, active.id) : new Map<string, Counts>();
		return {
			worker,
			window_seconds: this.policy.windowMs / 1000,
			versions: [...this.window.byVersion(now)].map(([id, c]) => summary(id, c)),
			active_deployment: active
				? {
						id: active.id,
						versions: active.versions.map((v) => ({
							...summary(v.version_id, inActive.get(v.version_id)),
							percentage: v.percentage,
						})),
					}
				: null,
			auto_rollback: {
				enabled: this.policy.errorRate !== null,
				error_rate_threshold: this.policy.errorRate,
				min_requests: this.policy.minRequests,
			},
		};
	}
}

function summary(version_id: string, c: Counts = { requests: 0, errors: 0, exceptions: 0 }): VersionHealth {
	return { version_id, ...c, error_rate: c.requests === 0 ? 0 : c.errors / c.requests };
}

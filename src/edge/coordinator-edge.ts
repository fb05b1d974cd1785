import type { DeployCommand } from "../coordinator/worker-coordinator";
import type { Author, Deployment } from "../core/model";
import type { Result } from "../errors/api-error";
import { getActiveDeployment, getDeployment } from "../storage/deployments";
import { getVersionsByIds } from "../storage/versions";
import { autoRollbackDecision } from "./auto-rollback";
import { edgeFor } from "./edge";
import { healthPolicy } from "./edge-config";
import { HealthWindow, type TrafficReport } from "./health-window";

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

export const AUTO_ROLLBACK_AUTHOR: Author = { id: "shiplog", email: "auto-rollback@shiplog.local" };

const unavailable = <T>(at: string, worker: string, error: unknown): Result<T> => {
	console.error(JSON.stringify({ at, worker, error: String(error) }));
	return { ok: false, error: { code: "unavailable", message: "The Worker's coordinator could not answer; retry." } };
};

/**
 * The edge's half of a WorkerCoordinator: the active deployment as traffic sees it (kept in memory and
 * replaced on every commit), and health counts, in memory too. Counts are telemetry over a short
 * window, so they are not written to storage: losing them when the object restarts only delays an
 * automatic rollback, while writing them would cost a storage write per batch of requests.
 */
export class CoordinatorEdge {
	private active: Deployment | null = null;
	private readonly window: HealthWindow;
	private readonly newest = new Map<string, string>();
	private readonly rollingBack = new Set<string>();

	constructor(
		private readonly env: Env,
		/** The committed pointer: a deployment id, null before the first deployment, undefined if unknown. */
		private readonly pointer: () => string | null | undefined,
		private readonly deploy: (command: DeployCommand) => Promise<Result<Deployment>>,
	) {
		this.window = new HealthWindow(healthPolicy(env).windowMs);
	}

	/** The hook the coordinator calls after each commit that created a deployment. */
	async pointerMoved(deployment: Deployment): Promise<void> {
		this.active = deployment;
		try {
			await edgeFor(this.env).publish(deployment);
		} catch (error) {
			console.error(JSON.stringify({ at: "edge.publish", deployment: deployment.id, error: String(error) }));
		}
	}

	/** The deployment with this id if it is the one held in memory (deployments are immutable). */
	held(id: string): Deployment | null {
		return this.active?.id === id ? this.active : null;
	}

	async activeDeployment(worker: string): Promise<Result<Deployment | null>> {
		try {
			return { ok: true, value: await this.current(worker) };
		} catch (error) {
			return unavailable("edge.activeDeployment", worker, error);
		}
	}

	async recordTraffic(worker: string, reports: TrafficReport[]): Promise<Result<Deployment | null>> {
		try {
			this.window.add(reports, Date.now());
			const active = await this.current(worker);
			if (active?.versions.length !== 2 || this.rollingBack.has(active.id)) return { ok: true, value: null };
			if (!reports.some((r) => r.deployment_id === active.id)) return { ok: true, value: null };
			const newest = await this.newestOf(worker, active);
			const counts = this.window.byVersion(Date.now(), active.id).get(newest);
			const decision = autoRollbackDecision(active, newest, counts, healthPolicy(this.env));
			if (!decision || this.pointer() !== active.id) return { ok: true, value: null };
			this.rollingBack.add(active.id);
			const result = await this.deploy({
				worker,
				author: AUTO_ROLLBACK_AUTHOR,
				source: "edge",
				message: decision.message,
				triggered_by: "auto_rollback",
				versions: [{ version_id: decision.keep, percentage: 100 }],
				rollback_from: active.id,
				// Conditional on the split still being active: a person's deployment in between wins (412).
				preconditions: { if_match: active.id },
			});
			if (!result.ok) this.rollingBack.delete(active.id);
			return result.ok ? { ok: true, value: result.value } : result;
		} catch (error) {
			return unavailable("edge.recordTraffic", worker, error);
		}
	}

	async health(worker: string): Promise<Result<WorkerHealth>> {
		try {
			const policy = healthPolicy(this.env);
			const now = Date.now();
			const active = await this.current(worker);
			const inActive = active ? this.window.byVersion(now, active.id) : new Map();
			const summary = (version_id: string, c = { requests: 0, errors: 0, exceptions: 0 }): VersionHealth => ({
				version_id,
				...c,
				error_rate: c.requests === 0 ? 0 : c.errors / c.requests,
			});
			return {
				ok: true,
				value: {
					worker,
					window_seconds: policy.windowMs / 1000,
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
						enabled: policy.errorRate !== null,
						error_rate_threshold: policy.errorRate,
						min_requests: policy.minRequests,
					},
				},
			};
		} catch (error) {
			return unavailable("edge.health", worker, error);
		}
	}

	private async current(worker: string): Promise<Deployment | null> {
		const id = this.pointer();
		if (id === null) return null;
		if (this.active && (id === undefined || this.active.id === id)) return this.active;
		// Deployments are immutable, so only the pointer decides whether the copy in memory is current.
		const read =
			id === undefined ? await getActiveDeployment(this.env.DB, worker) : await getDeployment(this.env.DB, worker, id);
		if (read && this.pointer() === id) this.active = read;
		return read;
	}

	/** The most recently uploaded version of a two-version deployment: the one being rolled out. */
	private async newestOf(worker: string, deployment: Deployment): Promise<string> {
		const known = this.newest.get(deployment.id);
		if (known) return known;
		const versions = await getVersionsByIds(
			this.env.DB,
			worker,
			deployment.versions.map((v) => v.version_id),
		);
		const newest = versions.reduce((a, b) => (b.number > a.number ? b : a)).id;
		this.newest.set(deployment.id, newest);
		return newest;
	}
}

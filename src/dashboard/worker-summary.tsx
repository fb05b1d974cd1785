import type { Deployment, Version, WorkerRecord } from "../core/model";
import type { WorkerHealth } from "../edge/health/health-monitor";
import { coordinatorFor } from "../services/coordinator";
import { getActiveDeployment } from "../storage/deployments";
import { getVersionsByIds } from "../storage/versions";
import { numbersOf } from "./components";

/** What the Workers list and a Worker's page show about its present: the active deployment and its health. */
export interface WorkerSummary {
	worker: WorkerRecord;
	active: Deployment | null;
	/** Version numbers of the active deployment's versions. */
	numbers: Map<string, number>;
	health: WorkerHealth | null;
}

/** Health is telemetry: when the coordinator cannot be asked, the page still shows the rest. */
async function healthOf(env: Env, name: string): Promise<WorkerHealth | null> {
	try {
		const result = await coordinatorFor(env, name).health(name);
		return result.ok ? result.value : null;
	} catch (error) {
		console.error(JSON.stringify({ at: "dashboard.health", worker: name, error: String(error) }));
		return null;
	}
}

export async function summarise(env: Env, worker: WorkerRecord): Promise<WorkerSummary> {
	const active = await getActiveDeployment(env.DB, worker.name);
	const [versions, health] = await Promise.all([
		active
			? getVersionsByIds(
					env.DB,
					worker.name,
					active.versions.map((v) => v.version_id),
				)
			: Promise.resolve([]),
		active ? healthOf(env, worker.name) : Promise.resolve(null),
	]);
	return { worker, active, numbers: new Map(versions.map((v) => [v.id, v.number])), health };
}

/** The active deployment's health in a word: what automatic rollback would judge. */
export function HealthBadge(props: { health: WorkerHealth | null }) {
	const versions = props.health?.active_deployment?.versions ?? [];
	const requests = versions.reduce((n, v) => n + v.requests, 0);
	if (!props.health) return <span class="badge info">unknown</span>;
	if (requests === 0) return <span class="badge info">no traffic</span>;
	const errors = versions.reduce((n, v) => n + v.errors, 0);
	const rate = errors / requests;
	const threshold = props.health.auto_rollback.error_rate_threshold ?? 0.05;
	const tone = rate >= threshold ? "bad" : rate > 0 ? "warn" : "ok";
	const word = rate >= threshold ? "failing" : rate > 0 ? "some errors" : "healthy";
	return (
		<span class={`badge ${tone}`}>
			{word}: {(rate * 100).toFixed(1)} % errors of {requests}
		</span>
	);
}

/** Version numbers for every version the deployments name. */
export async function numbersFor(db: D1Database, worker: string, deployments: Deployment[], known: Version[] = []) {
	const ids = [...new Set(deployments.flatMap((d) => d.versions.map((v) => v.version_id)))];
	const missing = ids.filter((id) => !known.some((v) => v.id === id));
	return numbersOf([...known, ...(await getVersionsByIds(db, worker, missing))]);
}

export interface LogProblem {
	worker: string;
	problem: string;
}

interface LogShape {
	name: string;
	version_count: number;
	deployment_count: number;
	active_deployment_id: string | null;
	versions: number;
	max_version: number | null;
	deployments: number;
	max_deployment: number | null;
	latest_deployment_id: string | null;
}

/**
 * Checks the log's invariants in D1 for every Worker: numbers contiguous from 1 (count = max = counter)
 * and the pointer on the latest deployment. Pure SQL aggregates over indexed columns.
 */
export async function checkLog(db: D1Database, only?: string): Promise<{ workers: number; problems: LogProblem[] }> {
	const { results } = await db
		.prepare(
			`SELECT w.name, w.version_count, w.deployment_count, w.active_deployment_id,
			   (SELECT count(*) FROM versions v WHERE v.worker = w.name) AS versions,
			   (SELECT max(number) FROM versions v WHERE v.worker = w.name) AS max_version,
			   (SELECT count(*) FROM deployments d WHERE d.worker = w.name) AS deployments,
			   (SELECT max(number) FROM deployments d WHERE d.worker = w.name) AS max_deployment,
			   (SELECT id FROM deployments d WHERE d.worker = w.name ORDER BY number DESC LIMIT 1) AS latest_deployment_id
			 FROM workers w WHERE ?1 IS NULL OR w.name = ?1 ORDER BY w.name`,
		)
		.bind(only ?? null)
		.all<LogShape>();
	const problems: LogProblem[] = [];
	for (const w of results) {
		if (w.versions !== w.version_count || (w.max_version ?? 0) !== w.version_count) {
			problems.push({
				worker: w.name,
				problem: `version numbers are not 1..${w.version_count}: ${w.versions} rows, highest ${w.max_version}`,
			});
		}
		if (w.deployments !== w.deployment_count || (w.max_deployment ?? 0) !== w.deployment_count) {
			problems.push({
				worker: w.name,
				problem: `deployment numbers are not 1..${w.deployment_count}: ${w.deployments} rows, highest ${w.max_deployment}`,
			});
		}
		if (w.active_deployment_id !== w.latest_deployment_id) {
			problems.push({
				worker: w.name,
				problem: `active deployment ${w.active_deployment_id} is not the latest ${w.latest_deployment_id}`,
			});
		}
	}
	return { workers: results.length, problems };
}

export interface LogProblem {
	worker: string;
	/** Which invariant: "version_numbers", "deployment_numbers", "pointer", "coordinator", "edge", "modules". */
	subject: string;
	problem: string;
}

interface LogShape {
	name: string;
	version_count: number;
	deployment_count: number;
	active_deployment_id: string | null;
	versions: number;
	max_version: number | null;
	pruned: number;
	max_pruned: number | null;
	deployments: number;
	max_deployment: number | null;
	latest_deployment_id: string | null;
}

/**
 * The log's shape in D1 for the named Workers (all of them when `names` is null): pure SQL aggregates over
 * indexed columns. Versions removed by retention count as accounted for (pruned_versions keeps their numbers).
 */
export function logShapes(db: D1Database, names: string[] | null): D1PreparedStatement {
	return db
		.prepare(
			`SELECT w.name, w.version_count, w.deployment_count, w.active_deployment_id,
			   (SELECT count(*) FROM versions v WHERE v.worker = w.name) AS versions,
			   (SELECT max(number) FROM versions v WHERE v.worker = w.name) AS max_version,
			   (SELECT count(*) FROM pruned_versions p WHERE p.worker = w.name) AS pruned,
			   (SELECT max(number) FROM pruned_versions p WHERE p.worker = w.name) AS max_pruned,
			   (SELECT count(*) FROM deployments d WHERE d.worker = w.name) AS deployments,
			   (SELECT max(number) FROM deployments d WHERE d.worker = w.name) AS max_deployment,
			   (SELECT id FROM deployments d WHERE d.worker = w.name ORDER BY number DESC LIMIT 1) AS latest_deployment_id
			 FROM workers w WHERE ?1 IS NULL OR w.name IN (SELECT value FROM json_each(?1)) ORDER BY w.name`,
		)
		.bind(names === null ? null : JSON.stringify(names));
}

/** Numbers contiguous from 1 (count = max = counter, pruned numbers included) and the pointer on the latest. */
export function logProblems(shape: LogShape): LogProblem[] {
	const problems: LogProblem[] = [];
	const w = shape;
	const highestVersion = Math.max(w.max_version ?? 0, w.max_pruned ?? 0);
	if (w.versions + w.pruned !== w.version_count || highestVersion !== w.version_count) {
		problems.push({
			worker: w.name,
			subject: "version_numbers",
			problem: `version numbers are not 1..${w.version_count}: ${w.versions} rows (+${w.pruned} pruned), highest ${highestVersion}`,
		});
	}
	if (w.deployments !== w.deployment_count || (w.max_deployment ?? 0) !== w.deployment_count) {
		problems.push({
			worker: w.name,
			subject: "deployment_numbers",
			problem: `deployment numbers are not 1..${w.deployment_count}: ${w.deployments} rows, highest ${w.max_deployment}`,
		});
	}
	if (w.active_deployment_id !== w.latest_deployment_id) {
		problems.push({
			worker: w.name,
			subject: "pointer",
			problem: `active deployment ${w.active_deployment_id} is not the latest ${w.latest_deployment_id}`,
		});
	}
	return problems;
}

export async function readLogShapes(db: D1Database, names: string[] | null): Promise<LogShape[]> {
	return (await logShapes(db, names).all<LogShape>()).results;
}

export type { LogShape };

/** Checks the log's invariants in D1 for every Worker, or for one. */
export async function checkLog(db: D1Database, only?: string): Promise<{ workers: number; problems: LogProblem[] }> {
	const shapes = await readLogShapes(db, only === undefined ? null : [only]);
	return { workers: shapes.length, problems: shapes.flatMap(logProblems) };
}

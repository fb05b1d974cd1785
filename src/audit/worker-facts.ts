import type { Counters } from "../coordinator/commands";
import { boundResources } from "../core/bindings";
import type { Deployment, Version, WorkerRecord } from "../core/model";
import type { RollbackFacts, RollbackPolicy } from "../core/rollback-eligibility";
import type { Result } from "../errors/api-error";
import { coordinatorFor } from "../services/coordinator";
import { type DeploymentRow, toDeployment } from "../storage/deployments";
import { getResources, type ResourceRecord } from "../storage/resources";
import { loadRollbackFacts } from "../storage/rollback-facts";
import { getVersionsByIds, toVersion, type VersionRow } from "../storage/versions";
import { toWorker, type WorkerRow } from "../storage/workers";
import { type LogProblem, type LogShape, logProblems, logShapes } from "./check-log";
import { SEALED_VALUE_COLUMNS, type SealedValue } from "./checks/secrets";
import { pool } from "./pool";

/** Everything the per-Worker checks judge one Worker by, read for a whole batch of Workers at once. */
export interface WorkerFacts {
	record: WorkerRecord;
	log: LogProblem[];
	active: Deployment | null;
	active_versions: Version[];
	/** The latest versions (the rollback window), newest first. */
	window: Version[];
	rollback: RollbackFacts | null;
	secret_values: SealedValue[];
	/** Registry rows of the resources the active versions bind, keyed `type:id`. */
	resources: Map<string, ResourceRecord>;
	/** The coordinator's counters, or why it could not say. */
	coordinator: { ok: true; counters: Counters } | { ok: false; error: string };
	/** The active deployment as the edge resolves it (the coordinator's view). */
	edge: Result<Deployment | null>;
}

/** How many Durable Object calls and rollback-fact reads a step runs at once. */
const CONCURRENCY = 8;

/**
 * Reads the facts for `names`: one D1 batch for the rows every check needs (Workers, active deployments, the
 * log's shape, secret values, each Worker's rollback window), then per Worker the coordinator's view and the
 * rollback facts (served from the window when it covers them).
 */
export async function loadWorkerFacts(env: Env, names: string[], policy: RollbackPolicy): Promise<WorkerFacts[]> {
	const db = env.DB;
	const list = JSON.stringify(names);
	const [workers, actives, shapes, secrets, ...windows] = await db.batch([
		db.prepare("SELECT * FROM workers WHERE name IN (SELECT value FROM json_each(?1))").bind(list),
		db
			.prepare(
				`SELECT d.* FROM workers w JOIN deployments d ON d.id = w.active_deployment_id
				 WHERE w.name IN (SELECT value FROM json_each(?1))`,
			)
			.bind(list),
		logShapes(db, names),
		db
			.prepare(`SELECT ${SEALED_VALUE_COLUMNS} FROM secret_values WHERE worker IN (SELECT value FROM json_each(?1))`)
			.bind(list),
		...names.map((name) =>
			db.prepare("SELECT * FROM versions WHERE worker = ?1 ORDER BY number DESC LIMIT ?2").bind(name, policy.window),
		),
	]);
	const records = new Map(rows<WorkerRow>(workers).map((r) => [r.name, toWorker(r)]));
	const activeOf = new Map(rows<DeploymentRow>(actives).map((r) => [r.worker, toDeployment(r)]));
	const shapeOf = new Map(rows<LogShape>(shapes).map((s) => [s.name, s]));
	const windowOf = new Map(names.map((name, i) => [name, rows<VersionRow>(windows[i]).map(toVersion)]));

	const facts = await pool(names, CONCURRENCY, async (name): Promise<WorkerFacts | null> => {
		const record = records.get(name);
		if (!record) return null;
		const active = activeOf.get(name) ?? null;
		const window = windowOf.get(name) ?? [];
		const active_versions = active ? await activeVersions(db, name, active, window) : [];
		const coordinator = coordinatorFor(env, name);
		const [counters, edge, rollback] = await Promise.all([
			coordinator.counters(name).then(
				(counters) => ({ ok: true as const, counters }),
				(error: unknown) => ({ ok: false as const, error: String(error) }),
			),
			coordinator.activeDeployment(name),
			active
				? loadRollbackFacts(db, name, active, record.version_count, window, { active_versions, versions: window })
				: null,
		]);
		const shape = shapeOf.get(name);
		return {
			record,
			log: shape ? logProblems(shape) : [],
			active,
			active_versions,
			window,
			rollback,
			secret_values: rows<SealedValue>(secrets).filter((s) => s.worker === name),
			resources: new Map(),
			coordinator: counters,
			edge,
		};
	});
	const present = facts.filter((f): f is WorkerFacts => f !== null);
	const bound = present.flatMap((f) => f.active_versions.flatMap((v) => boundResources(v.bindings)));
	const registry = await getResources(db, bound);
	for (const f of present) f.resources = registry;
	return present;
}

function rows<T>(result: D1Result | undefined): T[] {
	return (result?.results ?? []) as T[];
}

/** The active deployment's versions: from the window when they are in it (almost always), else from D1. */
async function activeVersions(db: D1Database, worker: string, active: Deployment, window: Version[]) {
	const ids = active.versions.map((v) => v.version_id);
	const held = window.filter((v) => ids.includes(v.id));
	if (held.length === ids.length) return held;
	return getVersionsByIds(db, worker, ids);
}

import type { Deployment, Version } from "../../core/model";
import { edgeConfig } from "../../edge/edge-config";
import { currentDeployment, versionById } from "../../edge/resolve";
import { chooseVersion, VERSION_KEY_HEADER } from "../../edge/version-choice";
import { loaderId, workerCode } from "../../edge/worker-code";
import { type ClassAtDeployment, getClassAtDeployment } from "../../storage/do-classes";
import { FACET_STORAGE_PROP } from "../runtime-code";

/** What a supervisor runs its facets on: the class's current name and the version that provides it. */
export interface FacetSource {
	/** Changes with every deployment, so a facet started on an older one is restarted on the new code. */
	key: string;
	worker: string;
	class_name: string;
	version: Version;
	deployment: Deployment;
}

const CLASS_CACHE_SIZE = 1024;
/**
 * Class rows this isolate has read, by storage id, each with the deployment that was active when it was read
 * (getClassAtDeployment). A row changes only in a deploy's own batch, which also makes a new deployment active,
 * and a deployment is active only once (a rollback is a new deployment), so a row kept for the deployment that
 * the coordinator names active now is exactly the row in D1.
 */
const classes = new Map<string, ClassAtDeployment>();

/**
 * The class row as it stands while `deployment` is active: the one kept, or a fresh read when the Worker has
 * moved on since. Without a deployment (before it is known), any kept row will do: it names the Worker to ask.
 */
async function classAt(db: D1Database, storageId: string, deployment?: string): Promise<ClassAtDeployment | null> {
	const kept = classes.get(storageId);
	if (kept && (deployment === undefined || kept.active_deployment_id === deployment)) return kept;
	const read = await getClassAtDeployment(db, storageId);
	classes.delete(storageId);
	if (read) {
		if (classes.size >= CLASS_CACHE_SIZE) classes.delete(classes.keys().next().value as string);
		classes.set(storageId, read);
	}
	return read;
}

/**
 * The code a Durable Object of a managed Worker runs: the class (by its name today: a rename changes it)
 * from the Worker's active deployment. During a gradual deployment an object stays on one version, chosen by
 * its id as a version key chooses (a fixed point per id), as Cloudflare keeps each object on one version.
 * Null when the class was deleted or its Worker has no active deployment.
 *
 * The deployment is asked of the coordinator on every call (strict freshness, as at the edge), and the class
 * row is read from D1 only when it was kept for another deployment: a warm call reads nothing from D1
 * (test/runtime/do-classes.test.ts counts it).
 */
export async function facetSource(env: Env, storageId: string, hex: string): Promise<FacetSource | null> {
	const first = await classAt(env.DB, storageId);
	if (!first) return null;
	const deployment = await currentDeployment(env, first.record.worker);
	if (!deployment) return null;
	// A row kept (or read) for another deployment is read again. A deploy landing between the coordinator's
	// answer and that read can still leave the row newer than the deployment: such a call overlaps the deploy,
	// either side of it is right, and the row is kept only for the deployment D1 showed with it.
	const record = (await classAt(env.DB, storageId, deployment.id))?.record;
	if (!record || record.deleted_on !== null) return null;
	const versions = await Promise.all(deployment.versions.map((v) => versionById(env.DB, record.worker, v.version_id)));
	const known = versions.filter((v): v is Version => v !== null);
	if (known.length === 0) return null;
	const newest = known.reduce((a, b) => (b.number > a.number ? b : a));
	const choice = chooseVersion(record.worker, deployment, newest.id, new Headers({ [VERSION_KEY_HEADER]: hex }));
	const version = known.find((v) => v.id === choice.version_id) ?? newest;
	return {
		key: `${deployment.id}/${version.id}/${record.class_name}`,
		worker: record.worker,
		class_name: record.class_name,
		version,
		deployment,
	};
}

/**
 * The managed Worker's Durable Object class for a facet, loaded through the Worker Loader. Its props carry the
 * object's first storage budget, which the storage guard takes before the object's constructor runs.
 */
export function facetClass(
	env: Env,
	ctx: { exports: Cloudflare.Exports },
	source: FacetSource,
	storageBytes: number,
): DurableObjectClass {
	const config = edgeConfig(env);
	const worker = env.LOADER.get(loaderId(source.version, config), () => workerCode(env, ctx, source.version, config));
	return worker.getDurableObjectClass(source.class_name, { props: { [FACET_STORAGE_PROP]: storageBytes } });
}

import type { Deployment, Version } from "../../core/model";
import { edgeConfig } from "../../edge/edge-config";
import { currentDeployment, versionById } from "../../edge/resolve";
import { chooseVersion, VERSION_KEY_HEADER } from "../../edge/version-choice";
import { loaderId, workerCode } from "../../edge/worker-code";
import { getClassRecord } from "../../storage/do-classes";
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

/**
 * The code a Durable Object of a managed Worker runs: the class (by its name today: a rename changes it)
 * from the Worker's active deployment. During a gradual deployment an object stays on one version, chosen by
 * its id as a version key chooses (a fixed point per id), as Cloudflare keeps each object on one version.
 * Null when the class was deleted or its Worker has no active deployment.
 */
export async function facetSource(env: Env, storageId: string, hex: string): Promise<FacetSource | null> {
	const record = await getClassRecord(env.DB, storageId);
	if (!record || record.deleted_on !== null) return null;
	const deployment = await currentDeployment(env, record.worker);
	if (!deployment) return null;
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

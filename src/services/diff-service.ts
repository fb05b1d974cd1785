import type { Binding } from "../core/bindings";
import type { Version } from "../core/model";
import { soleVersion } from "../core/traffic";
import { diffVersions, textsNeeded, type VersionDiff } from "../core/version-diff";
import { ApiError } from "../errors/api-error";
import { getDeployment } from "../storage/deployments";
import { getModule } from "../storage/modules";
import { getPrunedVersion } from "../storage/pruned-versions";
import { getVersion } from "../storage/versions";
import { requireVersion } from "./lookups";

export interface DiffSide {
	version_id: string;
	version_number: number;
	deployment_id: string | null;
}

/** A version id, or a deployment id that ran one version at 100 %. */
async function resolveSide(db: D1Database, worker: string, id: string, which: string): Promise<[Version, DiffSide]> {
	const version = await getVersion(db, worker, id);
	if (version) return [version, { version_id: version.id, version_number: version.number, deployment_id: null }];
	const deployment = await getDeployment(db, worker, id);
	if (!deployment) {
		if (await getPrunedVersion(db, worker, id)) await requireVersion(db, worker, id);
		throw new ApiError("not_found", `${which}=${id} is neither a version nor a deployment of Worker ${worker}.`);
	}
	const only = soleVersion(deployment);
	if (!only) {
		throw new ApiError(
			"invalid_request",
			`${which}=${id} is a deployment that split traffic between two versions; pass one of its version ids instead.`,
		);
	}
	// Retention may have pruned what an old deployment ran: requireVersion says so.
	const deployed = await requireVersion(db, worker, only);
	return [deployed, { version_id: deployed.id, version_number: deployed.number, deployment_id: deployment.id }];
}

export async function diffWorker(
	env: Env,
	worker: string,
	fromId: string,
	toId: string,
	present: (b: Binding) => Binding,
): Promise<{ from: DiffSide; to: DiffSide } & VersionDiff> {
	const [[from, fromSide], [to, toSide]] = await Promise.all([
		resolveSide(env.DB, worker, fromId, "from"),
		resolveSide(env.DB, worker, toId, "to"),
	]);
	const texts = new Map<string, string>();
	await Promise.all(
		textsNeeded(from, to).map(async (sha) => {
			const body = await getModule(env.MODULES, sha);
			if (!body) throw new Error(`R2 is missing module ${sha} of Worker ${worker}`);
			texts.set(sha, await body.text());
		}),
	);
	return { from: fromSide, to: toSide, ...diffVersions(from, to, texts, present) };
}

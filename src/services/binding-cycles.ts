import type { Binding } from "../core/bindings";
import { findBindingCycle } from "../core/service-graph";
import { ApiError } from "../errors/api-error";
import { getActiveDeployment } from "../storage/deployments";
import { getVersionsByIds } from "../storage/versions";

const serviceTargets = (bindings: Binding[]) => bindings.flatMap((b) => (b.type === "service" ? [b.service] : []));

/**
 * A new version of `worker` whose service bindings would close a loop (A → B → A, or A → A) through the
 * Workers' active deployments is refused where the loop can be seen: at upload and at settings time.
 * (At run time the edge stops any loop after a few calls; see ServiceBinding.)
 */
export async function refuseBindingCycle(db: D1Database, worker: string, bindings: Binding[]): Promise<void> {
	const targets = serviceTargets(bindings);
	if (targets.length === 0) return;
	const cycle = await findBindingCycle(worker, targets, async (name) => {
		const active = await getActiveDeployment(db, name);
		if (!active) return [];
		const versions = await getVersionsByIds(
			db,
			name,
			active.versions.map((v) => v.version_id),
		);
		return serviceTargets(versions.flatMap((v) => v.bindings));
	});
	if (cycle) {
		throw ApiError.because(
			"invalid_request",
			"binding_cycle",
			`These service bindings would make a loop: ${cycle.join(" → ")}. A request would call itself until shiplog stops it; remove one of the bindings.`,
			{ cycle },
		);
	}
}

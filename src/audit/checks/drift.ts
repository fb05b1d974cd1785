import type { Observation } from "../model";
import type { WorkerFacts } from "../worker-facts";

/**
 * What the edge serves (the active deployment as the Worker's coordinator resolves it for every request)
 * against the log's pointer in D1. Another edge (a publisher to a Cloudflare account) would report here too.
 */
export function driftFindings(f: WorkerFacts): Observation[] {
	const worker = f.record.name;
	const logged = f.record.active_deployment_id;
	if (!f.edge.ok) {
		return [
			{
				check: "drift",
				worker,
				subject: "edge",
				severity: "critical",
				message: `Worker ${worker}: the edge could not resolve its active deployment (${f.edge.error.message}).`,
			},
		];
	}
	const live = f.edge.value?.id ?? null;
	if (live === logged) return [];
	return [
		{
			check: "drift",
			worker,
			subject: "edge",
			severity: "critical",
			message: `Worker ${worker}: the edge serves deployment ${live ?? "none"} but the log's active deployment is ${logged ?? "none"}.`,
			details: { live, logged },
		},
	];
}

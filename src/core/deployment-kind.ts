import type { Deployment, TrafficSplit } from "./model";

/**
 * Cloudflare's API has no rollback endpoint: `wrangler rollback` creates an ordinary deployment that sends
 * all traffic to an older version. So a deployment is a rollback when it serves one version at 100 % that
 * is older than the newest version the active deployment serves; that is when rollback rules apply.
 * `numbers` maps version ids to their per-Worker sequence numbers.
 */
export function isRollback(split: TrafficSplit[], active: Deployment | null, numbers: Map<string, number>): boolean {
	const [only] = split;
	if (!active || split.length !== 1 || !only || only.percentage !== 100) return false;
	const target = numbers.get(only.version_id);
	const newestActive = Math.max(...active.versions.map((v) => numbers.get(v.version_id) ?? 0));
	return target !== undefined && target < newestActive;
}

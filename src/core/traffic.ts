import { ApiError } from "../errors/api-error";
import type { Deployment, TrafficSplit } from "./model";

/** Wrangler's tolerance when it checks that percentages add up to 100. */
const EPSILON = 0.001;

const invalid = (message: string) => ApiError.because("invalid_request", "traffic_split_invalid", message);

/** A deployment serves one version at 100 %, or two versions whose shares add up to 100. */
export function checkSplit(versions: TrafficSplit[]): void {
	if (versions.length < 1 || versions.length > 2) {
		throw invalid("A deployment names one version, or two for a gradual rollout.");
	}
	if (new Set(versions.map((v) => v.version_id)).size !== versions.length) {
		throw invalid("A deployment cannot name the same version twice.");
	}
	for (const v of versions) {
		if (!(v.percentage >= 0 && v.percentage <= 100)) {
			throw invalid(`Percentage ${v.percentage} for ${v.version_id} is outside 0-100.`);
		}
	}
	const total = versions.reduce((sum, v) => sum + v.percentage, 0);
	if (Math.abs(total - 100) > EPSILON) {
		throw invalid(`Percentages add up to ${total}; they must add up to 100.`);
	}
}

/** A gradual rollout: two versions share the traffic. */
export const isSplit = (deployment: Pick<Deployment, "versions">): boolean => deployment.versions.length === 2;

/** The one version a deployment sends all traffic to, or null for a split (a gradual rollout). */
export function soleVersion(deployment: Pick<Deployment, "versions">): string | null {
	const [only, second] = deployment.versions;
	return only && !second && only.percentage === 100 ? only.version_id : null;
}

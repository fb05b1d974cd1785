import { ApiError } from "../errors/api-error";
import type { TrafficSplit } from "./model";

/** Wrangler's tolerance when it checks that percentages add up to 100. */
const EPSILON = 0.001;

/** A deployment serves one version at 100 %, or two versions whose shares add up to 100. */
export function checkSplit(versions: TrafficSplit[]): void {
	if (versions.length < 1 || versions.length > 2) {
		throw new ApiError("invalid_request", "A deployment names one version, or two for a gradual rollout.");
	}
	if (new Set(versions.map((v) => v.version_id)).size !== versions.length) {
		throw new ApiError("invalid_request", "A deployment cannot name the same version twice.");
	}
	for (const v of versions) {
		if (!(v.percentage >= 0 && v.percentage <= 100)) {
			throw new ApiError("invalid_request", `Percentage ${v.percentage} for ${v.version_id} is outside 0-100.`);
		}
	}
	const total = versions.reduce((sum, v) => sum + v.percentage, 0);
	if (Math.abs(total - 100) > EPSILON) {
		throw new ApiError("invalid_request", `Percentages add up to ${total}; they must add up to 100.`);
	}
}

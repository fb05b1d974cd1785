/** What the edge reports for one (deployment, version) pair: counts since its last report. */
export interface TrafficReport {
	deployment_id: string;
	version_id: string;
	requests: number;
	/** Responses with status ≥ 500, timeouts and exceptions. */
	errors: number;
	/** The subset of errors where the Worker threw (or could not start). */
	exceptions: number;
}

export interface Counts {
	requests: number;
	errors: number;
	exceptions: number;
}

const BUCKETS = 30;

/**
 * Request and error counts per (deployment, version) over a sliding window, in memory. The window is cut
 * into BUCKETS slices so that old counts fall out a slice at a time; a count is attributed to the slice
 * in which the report arrived.
 */
export class HealthWindow {
	private readonly sliceMs: number;
	private readonly slices = new Map<number, Map<string, Counts>>();

	constructor(readonly windowMs: number) {
		this.sliceMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
	}

	add(reports: TrafficReport[], now: number): void {
		const slice = Math.floor(now / this.sliceMs);
		let bucket = this.slices.get(slice);
		if (!bucket) {
			bucket = new Map();
			this.slices.set(slice, bucket);
		}
		for (const r of reports) {
			const key = `${r.deployment_id}\u0000${r.version_id}`;
			const counts = bucket.get(key) ?? { requests: 0, errors: 0, exceptions: 0 };
			counts.requests += r.requests;
			counts.errors += r.errors;
			counts.exceptions += r.exceptions;
			bucket.set(key, counts);
		}
		this.prune(now);
	}

	/** Counts per version within the window; restricted to one deployment when `deploymentId` is given. */
	byVersion(now: number, deploymentId?: string): Map<string, Counts> {
		this.prune(now);
		const out = new Map<string, Counts>();
		for (const bucket of this.slices.values()) {
			for (const [key, c] of bucket) {
				const [deployment, version] = key.split("\u0000") as [string, string];
				if (deploymentId !== undefined && deployment !== deploymentId) continue;
				const sum = out.get(version) ?? { requests: 0, errors: 0, exceptions: 0 };
				sum.requests += c.requests;
				sum.errors += c.errors;
				sum.exceptions += c.exceptions;
				out.set(version, sum);
			}
		}
		return out;
	}

	private prune(now: number): void {
		const oldest = Math.floor((now - this.windowMs) / this.sliceMs);
		for (const slice of this.slices.keys()) if (slice <= oldest) this.slices.delete(slice);
	}
}

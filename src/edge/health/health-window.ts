/** What the edge reports for one (deployment, version) pair and one client: counts since its last report. */
export interface TrafficReport {
	deployment_id: string;
	version_id: string;
	/** The caller (edge/client-id.ts); absent when unknown, and then not capped. */
	client?: string;
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
/** Clients tracked per slice; past this, a new client's requests are not counted (memory stays bounded). */
const MAX_CLIENTS_PER_SLICE = 10_000;

/**
 * Request and error counts per (deployment, version) over a sliding window, in memory. The window is cut
 * into BUCKETS slices so that old counts fall out a slice at a time; a count is attributed to the slice
 * in which the report arrived.
 *
 * Counts drive automatic rollbacks, so no one client may dominate them: within the window, a client's
 * requests to one (deployment, version) count up to `perClient`, and its errors in proportion. A client
 * flooding a version with failures cannot roll a good release back, nor hide a broken one with successes.
 */
export class HealthWindow {
	private readonly sliceMs: number;
	private readonly slices = new Map<number, Map<string, Counts>>();
	/** Requests counted per (deployment, version, client) and slice. */
	private readonly clients = new Map<number, Map<string, number>>();

	constructor(
		readonly windowMs: number,
		private readonly perClient = Number.POSITIVE_INFINITY,
	) {
		this.sliceMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
	}

	add(reports: TrafficReport[], now: number): void {
		this.prune(now);
		const slice = Math.floor(now / this.sliceMs);
		const bucket = at(this.slices, slice, () => new Map<string, Counts>());
		for (const r of reports) {
			const allowed = this.admit(r, slice);
			if (allowed.requests === 0) continue;
			const key = `${r.deployment_id}\u0000${r.version_id}`;
			const counts = bucket.get(key) ?? { requests: 0, errors: 0, exceptions: 0 };
			counts.requests += allowed.requests;
			counts.errors += allowed.errors;
			counts.exceptions += allowed.exceptions;
			bucket.set(key, counts);
		}
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

	/** The part of a report that counts, after the client's cap within the window. */
	private admit(r: TrafficReport, slice: number): Counts {
		if (r.client === undefined || !Number.isFinite(this.perClient)) return r;
		const key = `${r.deployment_id}\u0000${r.version_id}\u0000${r.client}`;
		let used = 0;
		for (const tallies of this.clients.values()) used += tallies.get(key) ?? 0;
		const requests = Math.max(0, Math.min(r.requests, this.perClient - used));
		if (requests === 0) return { requests: 0, errors: 0, exceptions: 0 };
		const tallies = at(this.clients, slice, () => new Map<string, number>());
		if (!tallies.has(key) && tallies.size >= MAX_CLIENTS_PER_SLICE) return { requests: 0, errors: 0, exceptions: 0 };
		tallies.set(key, (tallies.get(key) ?? 0) + requests);
		const share = requests / r.requests;
		return { requests, errors: Math.round(r.errors * share), exceptions: Math.round(r.exceptions * share) };
	}

	private prune(now: number): void {
		const oldest = Math.floor((now - this.windowMs) / this.sliceMs);
		for (const slice of this.slices.keys()) if (slice <= oldest) this.slices.delete(slice);
		for (const slice of this.clients.keys()) if (slice <= oldest) this.clients.delete(slice);
	}
}

function at<K, V>(map: Map<K, V>, key: K, make: () => V): V {
	let value = map.get(key);
	if (value === undefined) {
		value = make();
		map.set(key, value);
	}
	return value;
}

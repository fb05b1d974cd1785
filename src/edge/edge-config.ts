/** The built-in edge's settings, read from vars (see wrangler.toml); every one has a safe default. */
export interface EdgeConfig {
	/** `<name>.<domain>` serves the managed Worker `name`; null when only `/w/:name/*` routes. */
	routingDomain: string | null;
	/** false: managed code gets no network (`globalOutbound: null`). */
	allowOutbound: boolean;
	cpuMs: number;
	/** Host-side wall clock for a managed Worker to answer (until its response headers arrive). */
	timeoutMs: number;
	/** How deep a chain of service-binding calls may go in one request. */
	maxHops: number;
	/**
	 * How long this isolate may reuse an active deployment it asked for (SHIPLOG_EDGE_FRESHNESS): null is
	 * "strict" (ask the coordinator on every request), a number of milliseconds bounds the staleness.
	 */
	freshnessMs: number | null;
}

export interface HealthPolicy {
	windowMs: number;
	/** Error rate (0-1) above which a gradual rollout's new version is rolled back; null turns that off. */
	errorRate: number | null;
	minRequests: number;
	/** How many of one client's requests count within the window: a fifth of the minimum sample. */
	perClient: number;
}

function positive(raw: string | undefined, fallback: number): number {
	const value = Number(raw);
	return raw !== undefined && raw !== "" && Number.isFinite(value) && value > 0 ? value : fallback;
}

export function edgeConfig(env: Env): EdgeConfig {
	const domain = env.SHIPLOG_EDGE_ROUTING_DOMAIN?.trim().toLowerCase().replace(/^\.+/, "");
	return {
		routingDomain: domain ? domain : null,
		allowOutbound: env.SHIPLOG_EDGE_OUTBOUND?.trim().toLowerCase() === "allowed",
		cpuMs: positive(env.SHIPLOG_EDGE_CPU_MS, 1000),
		timeoutMs: positive(env.SHIPLOG_EDGE_TIMEOUT_MS, 30_000),
		maxHops: Math.floor(positive(env.SHIPLOG_EDGE_MAX_HOPS, 8)),
		freshnessMs: freshness(env.SHIPLOG_EDGE_FRESHNESS),
	};
}

/** Staleness may not be made longer than a minute: a deploy must reach every isolate soon. */
export const MAX_FRESHNESS_MS = 60_000;

/** "strict" (also when missing, empty or not understood: the safe choice), or whole milliseconds, 1 to a minute. */
function freshness(raw: string | undefined): number | null {
	const text = raw?.trim().toLowerCase() ?? "";
	if (!/^\d+$/.test(text)) return null;
	const ms = Number(text);
	return ms > 0 ? Math.min(ms, MAX_FRESHNESS_MS) : null;
}

export function healthPolicy(env: Env): HealthPolicy {
	const rate = Number(env.SHIPLOG_AUTO_ROLLBACK_ERROR_RATE);
	const off = env.SHIPLOG_AUTO_ROLLBACK_ERROR_RATE === undefined || env.SHIPLOG_AUTO_ROLLBACK_ERROR_RATE.trim() === "";
	const minRequests = Math.ceil(positive(env.SHIPLOG_AUTO_ROLLBACK_MIN_REQUESTS, 50));
	return {
		windowMs: positive(env.SHIPLOG_HEALTH_WINDOW_SECONDS, 300) * 1000,
		errorRate: !off && Number.isFinite(rate) && rate >= 0 && rate < 1 ? rate : null,
		minRequests,
		perClient: Math.max(1, Math.ceil(minRequests / 5)),
	};
}

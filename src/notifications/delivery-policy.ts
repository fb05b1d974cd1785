/** How shiplog delivers webhooks: how long it waits for a receiver, how often and how far apart it retries. */
export interface DeliveryPolicy {
	timeoutMs: number;
	maxAttempts: number;
	retryBaseMs: number;
	maxDelayMs: number;
}

const positive = (raw: string | undefined, fallback: number) => {
	const n = Number(raw);
	return raw !== undefined && raw.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
};

export function deliveryPolicy(vars: {
	SHIPLOG_WEBHOOK_TIMEOUT_MS?: string;
	SHIPLOG_WEBHOOK_MAX_ATTEMPTS?: string;
	SHIPLOG_WEBHOOK_RETRY_BASE_SECONDS?: string;
}): DeliveryPolicy {
	return {
		timeoutMs: positive(vars.SHIPLOG_WEBHOOK_TIMEOUT_MS, 10_000),
		maxAttempts: Math.floor(positive(vars.SHIPLOG_WEBHOOK_MAX_ATTEMPTS, 8)),
		retryBaseMs: positive(vars.SHIPLOG_WEBHOOK_RETRY_BASE_SECONDS, 30) * 1000,
		maxDelayMs: 6 * 60 * 60 * 1000,
	};
}

/** The wait after the `failed`-th failed attempt: base, 4 × base, 16 × base, … up to six hours. */
export function retryDelay(policy: DeliveryPolicy, failed: number): number {
	return Math.min(policy.retryBaseMs * 4 ** Math.max(0, failed - 1), policy.maxDelayMs);
}

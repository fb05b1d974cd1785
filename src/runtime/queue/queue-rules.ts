import { BindingError } from "../outcome";

/** How much one queue may hold, so that no tenant can exhaust shiplog (wrangler.toml vars, safe defaults). */
export interface QueueLimits {
	/** Largest message body (Cloudflare's limit: 128 KB). */
	messageBytes: number;
	/** Messages a queue may hold (not yet acknowledged). */
	backlogMessages: number;
	/** Bytes of bodies a queue may hold. */
	backlogBytes: number;
}

const positive = (raw: string | undefined, fallback: number) => {
	const n = Number(raw);
	return raw !== undefined && raw.trim() !== "" && Number.isSafeInteger(n) && n > 0 ? n : fallback;
};

export function queueLimits(env: Env): QueueLimits {
	const vars = env as unknown as Record<string, string | undefined>;
	return {
		messageBytes: Math.min(positive(vars.SHIPLOG_QUEUE_MAX_MESSAGE_BYTES, 128 * 1024), 1024 * 1024),
		backlogMessages: positive(vars.SHIPLOG_QUEUE_MAX_BACKLOG_MESSAGES, 100_000),
		backlogBytes: positive(vars.SHIPLOG_QUEUE_MAX_BACKLOG_BYTES, 256 * 1024 * 1024),
	};
}

/** At most this many messages per sendBatch() (Cloudflare's limit). */
export const MAX_BATCH_MESSAGES = 100;
/** The longest delay a message may ask for (12 hours, Cloudflare's limit). */
export const MAX_DELAY_SECONDS = 43_200;

export type ContentType = "json" | "text" | "bytes" | "v8";
const CONTENT_TYPES: ReadonlySet<string> = new Set(["json", "text", "bytes", "v8"]);

export interface OutgoingMessage {
	body: unknown;
	contentType?: string;
	delaySeconds?: number;
}

export function checkDelay(value: unknown): number {
	if (value === undefined || value === null) return 0;
	if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_DELAY_SECONDS) {
		throw new BindingError(`delaySeconds must be an integer between 0 and ${MAX_DELAY_SECONDS}.`, "TypeError");
	}
	return value;
}

export function checkContentType(value: unknown): ContentType {
	if (value === undefined || value === null) return "v8";
	if (typeof value !== "string" || !CONTENT_TYPES.has(value)) {
		throw new BindingError(`Unknown queue message content type: ${String(value)}.`, "TypeError");
	}
	return value as ContentType;
}

/**
 * The size a body counts for against the limits: its bytes for text and binary, its JSON for other values (a
 * structured-clone value that JSON cannot hold counts as its bytes where it has them, else is refused).
 */
export function bodySize(body: unknown, contentType: ContentType): number {
	if (typeof body === "string") return new TextEncoder().encode(body).byteLength;
	if (body instanceof ArrayBuffer) return body.byteLength;
	if (ArrayBuffer.isView(body)) return body.byteLength;
	if (contentType === "text") throw new BindingError("A text message body must be a string.", "TypeError");
	if (contentType === "bytes")
		throw new BindingError("A bytes message body must be an ArrayBuffer or view.", "TypeError");
	let json: string | undefined;
	try {
		json = JSON.stringify(body);
	} catch {
		json = undefined;
	}
	if (json === undefined) throw new BindingError("This message body cannot be sent on a queue.", "TypeError");
	return new TextEncoder().encode(json).byteLength;
}

export function queueFailure(message: string): BindingError {
	return new BindingError(`Queue send failed: ${message}`, "Error", undefined, "storage_limit");
}

/** A send to a queue that was deleted (its store holds a tombstone). */
export function queueDeleted(queue: string): BindingError {
	return new BindingError(`Queue send failed: queue ${queue} does not exist: it was deleted.`);
}

import { ApiError } from "../errors/api-error";

/** Reads a request body, refusing as soon as it passes `maxBytes` so an oversized body is never buffered whole. */
export async function readLimited(
	request: Request,
	maxBytes: number,
	what = "The upload",
	advice = "Make the bundle smaller.",
	/** Sees every chunk as it arrives, and may refuse the body by throwing. */
	inspect?: (chunk: Uint8Array) => void,
): Promise<Uint8Array> {
	const tooLarge = () =>
		new ApiError("payload_too_large", `${what} is larger than the ${maxBytes} byte limit. ${advice}`, {
			limit_bytes: maxBytes,
		});
	const declared = Number(request.headers.get("content-length"));
	if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
	if (!request.body) return new Uint8Array();
	const chunks: Uint8Array[] = [];
	let total = 0;
	const reader = request.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > maxBytes) {
			await reader.cancel();
			throw tooLarge();
		}
		try {
			inspect?.(value);
		} catch (error) {
			await reader.cancel();
			throw error;
		}
		chunks.push(value);
	}
	const out = new Uint8Array(total);
	let offset = 0;
	for (const chunk of chunks) {
		out.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return out;
}

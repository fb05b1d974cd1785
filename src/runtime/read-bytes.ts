/** What a binding accepts as a value or object body. */
export type Body = string | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | null;

/**
 * The bytes of a value, refusing as soon as they pass `limit`: a stream is read only that far, so a Worker
 * cannot make shiplog buffer more than the limit (the length reported is what had been read by then).
 */
export async function readBytes(body: Body, limit: number, tooLarge: (length: number) => Error): Promise<Uint8Array> {
	if (body === null) return new Uint8Array();
	if (typeof body === "string") return check(new TextEncoder().encode(body), limit, tooLarge);
	if (body instanceof ArrayBuffer) return check(new Uint8Array(body), limit, tooLarge);
	if (ArrayBuffer.isView(body))
		return check(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), limit, tooLarge);
	const chunks: Uint8Array[] = [];
	let total = 0;
	const reader = body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > limit) {
			await reader.cancel();
			throw tooLarge(total);
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

function check(bytes: Uint8Array, limit: number, tooLarge: (length: number) => Error): Uint8Array {
	if (bytes.byteLength > limit) throw tooLarge(bytes.byteLength);
	return bytes;
}

/** A copy holding exactly these bytes, as RPC and storage want an ArrayBuffer. */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
	return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
		? bytes.buffer
		: (bytes.slice().buffer as ArrayBuffer);
}

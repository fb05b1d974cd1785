import { ApiError } from "../errors/api-error";

/** The boundary a multipart content type names, or null. */
export function multipartBoundary(contentType: string): string | null {
	const match = contentType.match(/;\s*boundary=(?:"([^"]{1,200})"|([^\s;]{1,200}))/i);
	return match?.[1] ?? match?.[2] ?? null;
}

/**
 * Counts multipart parts as the body streams in, so a body of many tiny parts is refused after
 * `maxParts`, not after all of them were parsed. Feed it every chunk in order.
 */
export function partCounter(boundary: string, maxParts: number): (chunk: Uint8Array) => void {
	const delimiter = new TextEncoder().encode(`--${boundary}`);
	let carry = new Uint8Array(0);
	// Every part starts at a delimiter; the closing one (`--boundary--`) is one more.
	let delimiters = 0;
	return (chunk) => {
		const data = new Uint8Array(carry.byteLength + chunk.byteLength);
		data.set(carry);
		data.set(chunk, carry.byteLength);
		let from = 0;
		for (;;) {
			const at = indexOf(data, delimiter, from);
			if (at < 0) break;
			delimiters += 1;
			if (delimiters > maxParts + 1) {
				throw new ApiError("invalid_request", `An upload holds at most ${maxParts} parts.`, { limit_parts: maxParts });
			}
			from = at + delimiter.byteLength;
		}
		// Keep what could be the start of a delimiter cut in two by the chunk's end.
		carry = data.slice(Math.max(from, data.byteLength - delimiter.byteLength + 1));
	};
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
	const first = needle[0];
	const last = haystack.byteLength - needle.byteLength;
	outer: for (
		let i = haystack.indexOf(first ?? 0, from);
		i >= 0 && i <= last;
		i = haystack.indexOf(first ?? 0, i + 1)
	) {
		for (let j = 1; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return i;
	}
	return -1;
}

const encoder = new TextEncoder();

/**
 * Compares two secrets without leaking where they differ. Both sides are hashed first so that
 * timingSafeEqual always sees equal lengths and the token's length does not leak either.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
	const [a, b] = await Promise.all([
		crypto.subtle.digest("SHA-256", encoder.encode(given)),
		crypto.subtle.digest("SHA-256", encoder.encode(expected)),
	]);
	return crypto.subtle.timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | undefined {
	const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
	return match?.[1];
}

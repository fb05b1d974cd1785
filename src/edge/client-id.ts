/**
 * Who is calling, for health counts only: a short hash of the address Cloudflare puts in
 * `cf-connecting-ip` (a client cannot set it through Cloudflare). Null when there is none (local
 * development): such requests are not capped per client.
 */
export function clientId(headers: Headers): string | null {
	const address = headers.get("cf-connecting-ip")?.trim();
	if (!address) return null;
	// FNV-1a: enough to tell clients apart within one health window, and no address kept in memory.
	let h = 0x811c9dc5;
	for (let i = 0; i < address.length; i++) {
		h ^= address.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return (h >>> 0).toString(36);
}

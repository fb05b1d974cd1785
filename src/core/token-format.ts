/**
 * shiplog API tokens: `shl_` + 30 random base62 characters (about 178 bits) + a 6-character checksum, the
 * shape GitHub's tokens have. The prefix makes a leaked token recognisable to secret scanners; the
 * checksum lets shiplog refuse a mistyped or made-up token without a storage lookup.
 */
export const TOKEN_PREFIX = "shl_";
export const TOKEN_RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** How many characters of a token are shown to recognise it: `shl_` and 4 random characters (24 bits). */
const DISPLAY_LENGTH = TOKEN_PREFIX.length + 4;

const SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(text: string): number {
	let crc = 0xffffffff;
	for (let i = 0; i < text.length; i++) {
		crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
	}
	return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, length: number): string {
	let out = "";
	let rest = value;
	for (let i = 0; i < length; i++) {
		out = BASE62[rest % 62] + out;
		rest = Math.floor(rest / 62);
	}
	return out;
}

/** A token from its random part: the prefix, the random part, and the checksum of both. */
export function tokenFromRandom(random: string): string {
	const body = `${TOKEN_PREFIX}${random}`;
	return `${body}${base62(crc32(body), CHECKSUM_LENGTH)}`;
}

/** Whether a string has a token's shape and a checksum that fits: only then is it worth looking up. */
export function wellFormedToken(token: string): boolean {
	if (!SHAPE.test(token)) return false;
	const body = token.slice(0, -CHECKSUM_LENGTH);
	return token.slice(-CHECKSUM_LENGTH) === base62(crc32(body), CHECKSUM_LENGTH);
}

/** The non-secret start of a token, stored and shown so people can tell their tokens apart. */
export const displayPrefix = (token: string): string => token.slice(0, DISPLAY_LENGTH);

import { describe, expect, it } from "vitest";
import { newTokenSecret, tokenHash } from "../../src/auth/tokens";
import { crc32, displayPrefix, tokenFromRandom, wellFormedToken } from "../../src/core/token-format";

describe("token format", () => {
	it("is shl_ + 30 random base62 characters + a 6-character checksum", () => {
		const token = newTokenSecret();
		expect(token).toMatch(/^shl_[0-9A-Za-z]{36}$/);
		expect(wellFormedToken(token)).toBe(true);
		expect(displayPrefix(token)).toBe(token.slice(0, 8));
	});

	it("has at least 128 bits of randomness: 30 base62 characters, none repeated across many tokens", () => {
		expect(30 * Math.log2(62)).toBeGreaterThan(128);
		const tokens = new Set(Array.from({ length: 2000 }, newTokenSecret));
		expect(tokens.size).toBe(2000);
		// Every base62 character turns up in the random part: the alphabet is used whole.
		const seen = new Set([...tokens].flatMap((t) => [...t.slice(4, 34)]));
		expect(seen.size).toBe(62);
	});

	it("the checksum catches any single changed character", () => {
		const token = newTokenSecret();
		for (let i = 4; i < token.length; i++) {
			const c = token[i] === "a" ? "b" : "a";
			expect(wellFormedToken(token.slice(0, i) + c + token.slice(i + 1)), `position ${i}`).toBe(false);
		}
		expect(wellFormedToken(`${token}x`)).toBe(false);
		expect(wellFormedToken(token.replace("shl_", "ghp_"))).toBe(false);
		expect(wellFormedToken("shl_")).toBe(false);
	});

	it("CRC-32 is the IEEE one (the check value of '123456789' is 0xCBF43926)", () => {
		expect(crc32("123456789")).toBe(0xcbf43926);
		expect(tokenFromRandom("A".repeat(30))).toMatch(/^shl_A{30}[0-9A-Za-z]{6}$/);
	});

	it("is stored as the SHA-256 hex of the whole token", async () => {
		const token = tokenFromRandom("0123456789abcdefghijABCDEFGHIJ");
		const expected = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))]
			.map((b) => b.toString(16).padStart(2, "0"))
			.join("");
		expect(await tokenHash(token)).toBe(expected);
		expect(await tokenHash(token)).not.toContain(token.slice(4, 34));
	});
});

import { sha256Hex } from "../core/hash";
import { type Grant, parseGrant } from "../core/scopes";
import { BASE62, TOKEN_RANDOM_LENGTH, tokenFromRandom } from "../core/token-format";
import type { TokenRecord } from "../storage/tokens";
import type { Principal } from "./principal";

/** A new token's secret: uniform base62 from the platform's CSPRNG (bytes of 248 and above are redrawn). */
export function newTokenSecret(): string {
	let random = "";
	while (random.length < TOKEN_RANDOM_LENGTH) {
		for (const byte of crypto.getRandomValues(new Uint8Array(TOKEN_RANDOM_LENGTH))) {
			if (byte < 248 && random.length < TOKEN_RANDOM_LENGTH) random += BASE62[byte % 62];
		}
	}
	return tokenFromRandom(random);
}

/** What D1 stores and looks tokens up by: SHA-256 of the whole token. */
export const tokenHash = (token: string): Promise<string> => sha256Hex(token);

/** Scopes as stored; anything that no longer parses is dropped (it can only narrow what the token may do). */
export function grantsOf(scopes: readonly string[]): Grant[] {
	return scopes.flatMap((text) => {
		const grant = parseGrant(text);
		return "error" in grant ? [] : [grant];
	});
}

export function tokenPrincipal(record: TokenRecord): Principal {
	return {
		id: record.principal,
		email: record.email,
		kind: "token",
		token_id: record.id,
		token_prefix: record.prefix,
		grants: grantsOf(record.scopes),
	};
}

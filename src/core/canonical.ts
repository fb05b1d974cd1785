import { sha256Hex } from "./hash";

/** JSON with object keys sorted and undefined fields left out, so two values that mean the same compare equal. */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	if (value !== null && typeof value === "object") {
		const out: Record<string, unknown> = {};
		for (const key of Object.keys(value).sort()) {
			const field = (value as Record<string, unknown>)[key];
			if (field !== undefined) out[key] = sortKeys(field);
		}
		return out;
	}
	return value;
}

export const sameJson = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** SHA-256 of a value's canonical JSON: equal for requests that ask for the same thing, however they were encoded. */
export const digestJson = (value: unknown): Promise<string> => sha256Hex(canonicalJson(value));

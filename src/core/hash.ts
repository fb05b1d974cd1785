import type { ModuleEntry } from "./model";
import type { ContentType } from "./module-types";

const encoder = new TextEncoder();

/** Lower-case hex of bytes (a digest, an HMAC). */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
	const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
	return [...view].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of bytes, or of a string's UTF-8, as lower-case hex: how shiplog names module bodies. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
	const bytes = typeof data === "string" ? encoder.encode(data) : data;
	return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

/** A module as it arrives in an upload. */
export interface ModuleBytes {
	name: string;
	contentType: ContentType;
	bytes: Uint8Array;
}

/** The manifest a version records: every module's name, type, size and content hash, sorted by name. */
export async function buildManifest(modules: ModuleBytes[]): Promise<ModuleEntry[]> {
	const entries = await Promise.all(
		modules.map(async (m) => ({
			name: m.name,
			content_type: m.contentType,
			sha256: await sha256Hex(m.bytes),
			size: m.bytes.byteLength,
		})),
	);
	return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

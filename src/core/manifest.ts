import type { ModuleUpload } from "../upload/parse-upload";
import type { ModuleEntry } from "./model";

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", bytes);
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The manifest a version records: every module's name, type, size and content hash, sorted by name. */
export async function buildManifest(modules: ModuleUpload[]): Promise<ModuleEntry[]> {
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

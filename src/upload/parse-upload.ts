import type { ModuleBytes } from "../core/hash";
import { CONTENT_TYPES, moduleNameProblem, normaliseContentType } from "../core/module-types";
import { ApiError } from "../errors/api-error";
import { fieldIssues, summarise } from "../errors/zod-issues";
import { checkJsonDepth } from "../http/json-body";
import { readLimited } from "../http/read-limited";
import { type UploadMetadata, UploadMetadataSchema } from "./metadata";
import { multipartBoundary, partCounter } from "./part-counter";

export interface ParsedUpload {
	metadata: UploadMetadata;
	modules: ModuleBytes[];
}

export const MAX_MODULES = 1000;

/** The metadata part: at most this large, nested at most MAX_JSON_DEPTH levels, like every JSON body. */
export const MAX_METADATA_BYTES = 1024 * 1024;

async function metadataJson(part: string | File): Promise<unknown> {
	const text = typeof part === "string" ? part : await part.text();
	if (new TextEncoder().encode(text).byteLength > MAX_METADATA_BYTES) {
		throw new ApiError("payload_too_large", `The metadata part is larger than ${MAX_METADATA_BYTES} bytes.`);
	}
	let metadata: unknown;
	try {
		metadata = JSON.parse(text);
	} catch {
		throw new ApiError("invalid_request", "The metadata part is not valid JSON.");
	}
	checkJsonDepth(metadata, "metadata");
	return metadata;
}

/**
 * Parses Cloudflare's upload format: a `metadata` JSON part and one part per module, named by the
 * module's path and typed by its content type.
 */
export async function parseUpload(request: Request, maxBytes: number): Promise<ParsedUpload> {
	const contentType = request.headers.get("content-type") ?? "";
	if (!/^multipart\/form-data\s*;/i.test(contentType)) {
		throw new ApiError(
			"unsupported_media_type",
			"An upload is multipart/form-data: a `metadata` JSON part plus one part per module.",
		);
	}
	const boundary = multipartBoundary(contentType);
	if (!boundary) throw new ApiError("invalid_request", "The multipart content type names no boundary.");
	// One part more than the modules: the metadata.
	const body = await readLimited(request, maxBytes, undefined, undefined, partCounter(boundary, MAX_MODULES + 1));
	let form: FormData;
	try {
		form = await new Response(body, {
			headers: { "content-type": contentType },
		}).formData();
	} catch {
		throw new ApiError(
			"invalid_request",
			"The multipart body could not be parsed: check the boundary and part headers.",
		);
	}

	const metadataParts = form.getAll("metadata");
	if (metadataParts.length !== 1) {
		throw new ApiError(
			"invalid_request",
			metadataParts.length === 0
				? "The upload has no `metadata` part."
				: "The upload has more than one `metadata` part.",
		);
	}
	const parsed = UploadMetadataSchema.safeParse(await metadataJson(metadataParts[0] as string | File));
	if (!parsed.success) {
		const issues = fieldIssues(parsed.error, "metadata");
		throw new ApiError("invalid_request", summarise(issues), { issues });
	}
	const metadata = parsed.data;

	const modules: ModuleBytes[] = [];
	const names = new Set<string>();
	for (const [name, part] of form.entries()) {
		if (name === "metadata") continue;
		if (typeof part === "string") {
			throw new ApiError("invalid_request", `Part ${JSON.stringify(name)} must be a file part with a content type.`);
		}
		const problem = moduleNameProblem(name);
		if (problem) throw new ApiError("invalid_request", `Module ${JSON.stringify(name)}: ${problem}.`);
		if (names.has(name))
			throw new ApiError("invalid_request", `Module ${JSON.stringify(name)} appears more than once.`);
		const type = normaliseContentType(part.type);
		if (!type) {
			throw new ApiError(
				"invalid_request",
				`Module ${JSON.stringify(name)} has content type ${JSON.stringify(part.type)}; use one of ${CONTENT_TYPES.join(", ")}.`,
			);
		}
		names.add(name);
		modules.push({
			name,
			contentType: type,
			bytes: new Uint8Array(await part.arrayBuffer()),
		});
	}
	if (modules.length > MAX_MODULES) {
		throw new ApiError("invalid_request", `An upload holds at most ${MAX_MODULES} modules.`);
	}
	const main = modules.find((m) => m.name === metadata.main_module);
	if (!main) {
		throw new ApiError(
			"invalid_request",
			`main_module ${JSON.stringify(metadata.main_module)} is not among the uploaded parts (${[...names].join(", ") || "none"}).`,
		);
	}
	if (main.contentType !== "application/javascript+module" && main.contentType !== "text/javascript+module") {
		throw new ApiError("invalid_request", "The main module must be an ES module (application/javascript+module).");
	}
	return { metadata, modules };
}

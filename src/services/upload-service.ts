import type { UploadOutcome } from "../coordinator/worker-coordinator";
import { buildManifest } from "../core/manifest";
import type { Author, Source } from "../core/model";
import type { Preconditions } from "../core/preconditions";
import { assertEdgeCanRun } from "../edge/edge";
import { ApiError, type Result } from "../errors/api-error";
import { fingerprint } from "../http/preconditions";
import { sealSecretBindings } from "../secrets/seal-upload";
import { putModule } from "../storage/modules";
import { parseUpload } from "../upload/parse-upload";
import { coordinatorFor } from "./coordinator";

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export function maxUploadBytes(env: Env): number {
	const configured = Number(env.SHIPLOG_MAX_UPLOAD_BYTES);
	return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPLOAD_BYTES;
}

export interface UploadRequest {
	worker: string;
	request: Request;
	author: Author;
	source: Source;
	deploy: boolean;
	bindingsInherit?: "strict" | "lax";
	preconditions?: Preconditions;
}

/**
 * Upload (and optionally deploy) a bundle. Module bodies go to R2 first: they are content-addressed, so
 * a body stored for a request that then fails is harmless, and a version is only ever recorded once
 * every body it names is in R2.
 */
export async function uploadWorker(env: Env, input: UploadRequest): Promise<Result<UploadOutcome>> {
	const { metadata, modules } = await parseUpload(input.request, maxUploadBytes(env));
	assertEdgeCanRun(env, metadata.bindings);
	const sealed = await sealSecretBindings(env, input.worker, metadata.bindings);
	const manifest = await buildManifest(modules);
	const bodies = new Map(modules.map((m) => [m.name, m.bytes]));
	try {
		await Promise.all(
			manifest.map((entry) => putModule(env.MODULES, entry.sha256, bodies.get(entry.name) ?? new Uint8Array())),
		);
	} catch (error) {
		console.error(JSON.stringify({ at: "upload.r2", worker: input.worker, error: String(error) }));
		throw new ApiError(
			"unavailable",
			"Module storage did not accept the bundle; nothing was recorded. Retry the upload.",
		);
	}
	const preconditions: Preconditions = { ...input.preconditions };
	if (preconditions.idempotency_key !== undefined) {
		// Secret values stay out of the fingerprint: it is stored, and a hash of a short secret can be guessed.
		const bindings = metadata.bindings.map((b) => (b.type === "secret_text" ? { ...b, text: "(secret)" } : b));
		preconditions.fingerprint = await fingerprint({
			op: input.deploy ? "deploy" : "upload",
			metadata: { ...metadata, bindings },
			manifest,
		});
	}
	return coordinatorFor(env, input.worker).upload({
		worker: input.worker,
		author: input.author,
		source: input.source,
		metadata: { ...metadata, bindings: sealed.bindings },
		secret_values: sealed.secret_values,
		manifest,
		deploy: input.deploy,
		bindings_inherit: input.bindingsInherit ?? "strict",
		preconditions,
	});
}

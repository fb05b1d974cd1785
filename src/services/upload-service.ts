import { requireScope } from "../auth/require-scope";
import type { UploadOutcome } from "../coordinator/commands";
import { isSecretBinding } from "../core/bindings";
import { buildManifest } from "../core/hash";
import type { UploadDraft } from "../core/version-builder";
import { assertEdgeCanRun } from "../edge/edge";
import { ApiError } from "../errors/api-error";
import { sealSecretBindings } from "../secrets/seal-upload";
import { pinBodies } from "../storage/module-gc";
import { putModule } from "../storage/modules";
import type { UploadMetadata } from "../upload/metadata";
import { parseUpload } from "../upload/parse-upload";
import { refuseBindingCycle } from "./binding-cycles";
import { type ChangeContext, commandBase, type Done, done } from "./change-context";
import { changed, coordinatorFor } from "./coordinator";
import { keyedFingerprint } from "./fingerprint";

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export function maxUploadBytes(env: Env): number {
	const configured = Number(env.SHIPLOG_MAX_UPLOAD_BYTES);
	return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPLOAD_BYTES;
}

export interface UploadRequest {
	worker: string;
	/** Cloudflare's multipart upload: a `metadata` part and one part per module. */
	request: Request;
	/** true: deploy the new version at 100 % (PUT); false: upload only (the Worker must have been deployed). */
	deploy: boolean;
	bindingsInherit: "strict" | "lax";
}

/**
 * Upload (and optionally deploy) a bundle. Module bodies are pinned, then go to R2: they are content-addressed,
 * so a body stored for a request that then fails is harmless (the collector removes it after a grace period),
 * and a version is only ever recorded once every body it names is in R2.
 */
export async function uploadWorker(ctx: ChangeContext, input: UploadRequest): Promise<Done<UploadOutcome>> {
	const { env } = ctx;
	const { metadata, modules } = await parseUpload(input.request, maxUploadBytes(env));
	// An upload that carries secret values sets secrets, which is the secrets scope's to allow.
	if (metadata.bindings.some(isSecretBinding)) {
		requireScope(ctx.principal.grants, { scope: "secrets", worker: input.worker });
	}
	assertEdgeCanRun(env, metadata.bindings);
	await refuseBindingCycle(env.DB, input.worker, metadata.bindings);
	const sealed = await sealSecretBindings(env, ctx.deps, input.worker, metadata.bindings);
	const manifest = await buildManifest(modules);
	const bodies = new Map(modules.map((m) => [m.name, m.bytes]));
	// Pinned before they are stored, so that the garbage collector cannot delete a body this upload relies on
	// (docs/storage-layout.md "Garbage collection").
	const pinned = await pinBodies(
		env.DB,
		manifest.map((m) => m.sha256),
		ctx.deps.clock.now().toISOString(),
	);
	if (!pinned) {
		throw new ApiError(
			"unavailable",
			"A module body of this upload is being garbage-collected at this moment; nothing was recorded. Retry the upload.",
		);
	}
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
	// Secret values stay out of the fingerprint (it is stored): each is there as a keyed MAC instead.
	const asked = metadata.bindings.map((b) => {
		const mac = sealed.macs[b.name];
		return mac === undefined ? b : { name: b.name, type: b.type, value_mac: mac };
	});
	const print = await keyedFingerprint(ctx.preconditions, input.deploy ? "deploy" : "upload", {
		metadata: { ...metadata, bindings: asked },
		manifest,
	});
	return done(
		changed(
			input.worker,
			await coordinatorFor(env, input.worker).upload({
				...commandBase(ctx, input.worker, print),
				draft: uploadDraft(metadata, sealed.bindings),
				secret_values: sealed.secret_values,
				manifest,
				deploy: input.deploy,
				bindings_inherit: input.bindingsInherit,
			}),
		),
	);
}

/** What the wire format's metadata asks for, in the log's terms. */
function uploadDraft(metadata: UploadMetadata, bindings: UploadDraft["bindings"]): UploadDraft {
	return {
		main_module: metadata.main_module ?? "",
		bindings,
		compatibility_date: metadata.compatibility_date ?? null,
		compatibility_flags: metadata.compatibility_flags,
		usage_model: metadata.usage_model ?? null,
		migrations: metadata.migrations ?? null,
		keep_bindings: metadata.keep_bindings ?? [],
		message: metadata.annotations?.["workers/message"] ?? null,
		tag: metadata.annotations?.["workers/tag"] ?? null,
	};
}

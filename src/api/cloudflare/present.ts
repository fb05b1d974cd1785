import type { Deployment, Source, Version, WorkerRecord } from "../../core/model";
import { presentBinding } from "../v1/schemas";

/**
 * shiplog's records in Cloudflare's shapes (reference/cloudflare-api.md §1, and what wrangler 4.164
 * actually reads). Pure translation: nothing here decides anything.
 */

/** Cloudflare's names for where a change came from; shiplog's own front ends keep theirs. */
export function cloudflareSource(source: Source): string {
	return source === "dashboard" ? "dash" : source;
}

/**
 * Wrangler diffs against the remote config when the last deploy came from Cloudflare's dashboard, and
 * asks for confirmation when it came from the API. Only "wrangler" and "api" are safe to report.
 */
function lastDeployedFrom(source: Source | undefined): string {
	return source === "wrangler" ? "wrangler" : "api";
}

function annotations(
	record: Pick<Version, "triggered_by" | "message"> & { tag?: string | null; rollback_from?: string | null },
) {
	const out: Record<string, string> = { "workers/triggered_by": record.triggered_by };
	if (record.message) out["workers/message"] = record.message;
	if (record.tag) out["workers/tag"] = record.tag;
	if (record.rollback_from) out["workers/rollback_from"] = record.rollback_from;
	return out;
}

/** The main module's content hash names the code the way Cloudflare's script etag does. */
function etag(version: Version): string {
	return version.modules.find((m) => m.name === version.main_module)?.sha256 ?? version.id.replaceAll("-", "");
}

function versionMetadata(version: Version) {
	return {
		author_email: version.author.email,
		author_id: version.author.id,
		created_on: version.created_on,
		modified_on: version.created_on,
		source: cloudflareSource(version.source),
		// shiplog has no per-version preview URLs. Wrangler reads the snake_case name; the SDK documents the other.
		hasPreview: false,
		has_preview: false,
	};
}

/** An item of `GET …/versions`: no resources. */
export function cloudflareVersionItem(version: Version) {
	return {
		id: version.id,
		number: version.number,
		metadata: versionMetadata(version),
		annotations: annotations(version),
	};
}

/** `GET …/versions/{id}` and `POST …/versions`. */
export function cloudflareVersion(version: Version) {
	return {
		...cloudflareVersionItem(version),
		resources: {
			bindings: version.bindings.map(presentBinding),
			script: {
				etag: etag(version),
				// shiplog stores code without running it, so it cannot list the handlers a module exports.
				handlers: [] as string[],
				last_deployed_from: lastDeployedFrom(version.source),
			},
			script_runtime: {
				compatibility_date: version.compatibility_date ?? "",
				compatibility_flags: version.compatibility_flags,
				usage_model: version.usage_model,
				limits: {},
				...(version.migration_tag ? { migration_tag: version.migration_tag } : {}),
			},
		},
		// Not measured: wrangler skips the "Worker Startup Time" line when this is 0.
		startup_time_ms: 0,
	};
}

export function cloudflareDeployment(deployment: Deployment) {
	return {
		id: deployment.id,
		created_on: deployment.created_on,
		source: cloudflareSource(deployment.source),
		strategy: deployment.strategy,
		author_email: deployment.author.email,
		annotations: annotations({ ...deployment, tag: null }),
		versions: deployment.versions.map((v) => ({ version_id: v.version_id, percentage: v.percentage })),
	};
}

/** The result of `PUT …/scripts/{name}`. Wrangler prints `deployment_id` as "Current Version ID". */
export function cloudflareScript(worker: string, version: Version) {
	return {
		id: worker,
		etag: etag(version),
		handlers: [] as string[],
		named_handlers: [] as string[],
		created_on: version.created_on,
		modified_on: version.created_on,
		compatibility_date: version.compatibility_date ?? "",
		compatibility_flags: version.compatibility_flags,
		usage_model: version.usage_model,
		migration_tag: version.migration_tag ?? undefined,
		last_deployed_from: lastDeployedFrom(version.source),
		has_modules: true,
		has_assets: false,
		logpush: false,
		tags: [] as string[],
		tail_consumers: [] as unknown[],
		startup_time_ms: 0,
		deployment_id: version.id,
	};
}

/**
 * `GET …/workers/services/{name}`. Wrangler reads `default_environment.script.migration_tag` to decide
 * which Durable Object migrations are still to send, so it must be the Worker's current tag.
 */
export function cloudflareService(worker: WorkerRecord, latest: Version | null) {
	const script = {
		id: worker.name,
		tag: worker.name,
		etag: latest ? etag(latest) : "",
		handlers: [] as string[],
		created_on: worker.created_on,
		modified_on: worker.updated_on,
		migration_tag: latest?.migration_tag ?? undefined,
		usage_model: latest?.usage_model ?? "standard",
		compatibility_date: latest?.compatibility_date ?? "",
		compatibility_flags: latest?.compatibility_flags ?? [],
		last_deployed_from: lastDeployedFrom(latest?.source),
		tags: [] as string[],
	};
	return {
		id: worker.name,
		created_on: worker.created_on,
		modified_on: worker.updated_on,
		usage_model: script.usage_model,
		default_environment: {
			environment: "production",
			created_on: worker.created_on,
			modified_on: worker.updated_on,
			script,
		},
		environments: [{ environment: "production", created_on: worker.created_on, modified_on: worker.updated_on }],
	};
}

/**
 * The workers.dev state shiplog reports. It serves managed Workers itself (not on workers.dev), so it
 * reports one fixed state: keeping it stable stops wrangler warning that the setting changed.
 */
export const SUBDOMAIN_STATE = { enabled: true, previews_enabled: false } as const;
export const ACCOUNT_SUBDOMAIN = "shiplog";

/**
 * `GET …/workers/workers/{name}` (the beta Worker resource). When shiplog's edge routes by host
 * (SHIPLOG_EDGE_ROUTING_DOMAIN), `subdomain.url` is the Worker's real address, and wrangler prints it.
 */
export function cloudflareWorker(worker: WorkerRecord, routingDomain?: string) {
	const domain = routingDomain?.trim();
	return {
		id: worker.name,
		name: worker.name,
		created_on: worker.created_on,
		updated_on: worker.updated_on,
		logpush: false,
		tags: [] as string[],
		tail_consumers: [] as unknown[],
		observability: { enabled: false },
		subdomain: { ...SUBDOMAIN_STATE, ...(domain ? { url: `https://${worker.name}.${domain}/` } : {}) },
	};
}

/** Non-versioned settings: shiplog keeps none, so it reports Cloudflare's defaults. */
export const SCRIPT_SETTINGS = {
	logpush: false,
	tags: [] as string[],
	tail_consumers: [] as unknown[],
	observability: { enabled: false },
};

/** `GET …/scripts/{name}/settings`: the versioned settings of the latest version. */
export function cloudflareSettings(version: Version) {
	return {
		...SCRIPT_SETTINGS,
		bindings: version.bindings.map(presentBinding),
		compatibility_date: version.compatibility_date ?? "",
		compatibility_flags: version.compatibility_flags,
		usage_model: version.usage_model,
		placement: {},
		limits: {},
	};
}

/** `PATCH …/workers/workers/{name}/versions/latest` (the beta resource's version; wrangler reads `id`). */
export function cloudflareLatestVersion(version: Version) {
	return {
		id: version.id,
		number: version.number,
		created_on: version.created_on,
		annotations: annotations(version),
		bindings: version.bindings.map(presentBinding),
		compatibility_date: version.compatibility_date ?? "",
		compatibility_flags: version.compatibility_flags,
		main_module: version.main_module,
		startup_time_ms: 0,
		urls: [] as string[],
	};
}

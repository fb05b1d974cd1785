/**
 * Machine-readable reasons, carried as `details.reason` next to an error code when the code alone does not
 * say what happened. Adapters switch on them (the Cloudflare-compatible API maps several to Cloudflare's
 * own codes; Slack and the dashboard word them for people); messages are for reading, never for switching.
 */
export const REASONS = [
	"worker_not_found",
	"version_not_found",
	"version_pruned",
	"deployment_not_found",
	"never_deployed",
	"no_versions",
	"active_deployment_split",
	"durable_object_migration_in_version_upload",
	"migration_tag_mismatch",
	"durable_object_migration_invalid",
	"durable_object_class_unknown",
	"invalid_cron",
	"inherit_unresolved",
	"secret_in_settings",
	"inherit_in_settings",
	"secret_name_taken",
	"secret_not_found",
	"secret_ref_in_upload",
	"secret_without_value",
	"resource_deleted",
	"resource_in_use",
	"resource_name_taken",
	"resource_not_found",
	"resource_limit",
	"rollback_refused",
	"no_previous_deployment",
	"split_deployment_target",
	"binding_unsupported",
	"binding_cycle",
	"traffic_split_invalid",
	"json_too_deep",
	"json_too_large",
	"token_missing",
	"token_invalid",
	"token_revoked",
	"token_expired",
	"scope_missing",
	"rollback_only",
	"csrf_failed",
	"sign_in_throttled",
	"link_code_invalid",
] as const;

export type Reason = (typeof REASONS)[number];

/** The reason an error's details carry, if any. */
export function reasonOf(details: object | undefined): string | undefined {
	if (details && "reason" in details) {
		const reason = (details as { reason: unknown }).reason;
		return typeof reason === "string" ? reason : undefined;
	}
	return undefined;
}

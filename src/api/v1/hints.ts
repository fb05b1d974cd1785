import { ApiError } from "../../errors/api-error";
import type { Reason } from "../../errors/reasons";

/**
 * What a /v1 client should do next, by reason: the service layer's messages name no routes, since the
 * same refusal reaches wrangler, Slack and the dashboard, each with its own way to fix it.
 */
const HINTS: Partial<Record<Reason, (details: Record<string, unknown>) => string>> = {
	never_deployed: () => "Deploy it with PUT /v1/workers/:name.",
	durable_object_migration_in_version_upload: () => "Deploy it with PUT /v1/workers/:name instead.",
	secret_in_settings: (d) =>
		`Change it with PUT or DELETE /v1/workers/:name/secrets/${String(d.binding ?? ":secret")}.`,
	secret_name_taken: () => "Remove that binding with PATCH /v1/workers/:name/settings first.",
	resource_deleted: () => "If the resource exists again, register it with POST /v1/resources.",
	resource_in_use: () =>
		"Deploy those Workers without the binding first, or delete it anyway with ?force=true (its data is deleted).",
};

export function withV1Hint(error: ApiError): ApiError {
	const hint = error.reason ? HINTS[error.reason as Reason] : undefined;
	if (!hint) return error;
	return new ApiError(error.code, `${error.message} ${hint(error.details as Record<string, unknown>)}`, error.details);
}

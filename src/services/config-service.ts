import type { ConfigCommandChange, ConfigOutcome } from "../coordinator/worker-coordinator";
import type { ConfigPatch } from "../core/config-change";
import type { Author, Source } from "../core/model";
import type { Preconditions } from "../core/preconditions";
import { ApiError, type Result } from "../errors/api-error";
import { fieldIssues, summarise } from "../errors/zod-issues";
import { fingerprint } from "../http/preconditions";
import { encryptSecret, secretsKey } from "../secrets/cipher";
import { getActiveDeployment } from "../storage/deployments";
import { getVersionsByIds } from "../storage/versions";
import { type Binding, BindingSchema } from "../upload/bindings";
import { coordinatorFor } from "./coordinator";

export interface SettingsRequest {
	bindings?: Record<string, Record<string, unknown> | null>;
	vars?: Record<string, unknown>;
	usage_model?: string;
	compatibility_date?: string;
	compatibility_flags?: string[];
	message?: string;
}

interface Change {
	worker: string;
	author: Author;
	source: Source;
	message?: string | null;
	/** false: make the new version from the latest one and do not deploy it (see ConfigCommand.deploy). */
	deploy?: boolean;
	preconditions?: Preconditions;
}

/**
 * Turns the settings body into a patch: `bindings` entries are full bindings keyed by name, `vars` are
 * shorthand (a string is plain_text, other JSON is json, null removes).
 */
export function settingsPatch(body: SettingsRequest): ConfigPatch {
	const bindings: Record<string, Binding | null> = {};
	const issues: { path: string; message: string }[] = [];
	for (const [name, value] of Object.entries(body.bindings ?? {})) {
		if (value === null) {
			bindings[name] = null;
			continue;
		}
		const parsed = BindingSchema.safeParse({ ...value, name });
		if (parsed.success) bindings[name] = parsed.data;
		else issues.push(...fieldIssues(parsed.error, `bindings.${name}`));
	}
	for (const [name, value] of Object.entries(body.vars ?? {})) {
		if (name in bindings)
			issues.push({ path: `vars.${name}`, message: `${name} is also set in bindings; set it once` });
		if (value === null) {
			bindings[name] = null;
			continue;
		}
		const candidate =
			typeof value === "string" ? { name, type: "plain_text", text: value } : { name, type: "json", json: value };
		const parsed = BindingSchema.safeParse(candidate);
		if (parsed.success) bindings[name] = parsed.data;
		else issues.push(...fieldIssues(parsed.error, `vars.${name}`));
	}
	if (issues.length > 0) throw new ApiError("invalid_request", summarise(issues), { issues });
	return {
		...(Object.keys(bindings).length > 0 ? { bindings } : {}),
		...(body.usage_model !== undefined ? { usage_model: body.usage_model } : {}),
		...(body.compatibility_date !== undefined ? { compatibility_date: body.compatibility_date } : {}),
		...(body.compatibility_flags !== undefined ? { compatibility_flags: body.compatibility_flags } : {}),
	};
}

async function change(env: Env, input: Change, what: ConfigCommandChange): Promise<Result<ConfigOutcome>> {
	const preconditions: Preconditions = { ...input.preconditions };
	if (preconditions.idempotency_key !== undefined) {
		// A secret's value stays out of the fingerprint (it is stored, and a short secret's hash can be guessed):
		// a retry is recognised by the secret's name.
		const asked = what.kind === "secret_put" ? { kind: what.kind, name: what.name } : what;
		// Not deploying is a different request; deploying keeps the fingerprint it always had.
		const deploy = input.deploy === false ? { deploy: false } : {};
		preconditions.fingerprint = await fingerprint({ op: "config", asked, message: input.message ?? null, ...deploy });
	}
	return coordinatorFor(env, input.worker).changeConfig({
		worker: input.worker,
		author: input.author,
		source: input.source,
		message: input.message ?? null,
		change: what,
		deploy: input.deploy,
		preconditions,
	});
}

export function changeSettings(env: Env, input: Change & { body: SettingsRequest }): Promise<Result<ConfigOutcome>> {
	return change(env, input, { kind: "settings", patch: settingsPatch(input.body) });
}

/** The value is encrypted here, before it reaches the coordinator, and is never stored or sent in clear. */
export async function putSecret(
	env: Env,
	input: Change & { name: string; value: string },
): Promise<Result<ConfigOutcome>> {
	const key = await secretsKey(env);
	const record = await encryptSecret(key, input.worker, input.name, input.value);
	return change(env, input, { kind: "secret_put", name: input.name, value: record });
}

export async function deleteSecret(env: Env, input: Change & { name: string }): Promise<Result<ConfigOutcome>> {
	// Deleting needs no key, but refusing without one keeps every secret operation's behaviour alike.
	await secretsKey(env);
	return change(env, input, { kind: "secret_delete", name: input.name });
}

/** Names of the secrets the active deployment runs with. */
export async function listSecretNames(db: D1Database, worker: string): Promise<{ name: string; type: string }[]> {
	const active = await getActiveDeployment(db, worker);
	if (!active) return [];
	const versions = await getVersionsByIds(
		db,
		worker,
		active.versions.map((v) => v.version_id),
	);
	const names = new Map<string, string>();
	for (const v of versions) {
		for (const b of v.bindings) if (b.type === "secret_text" || b.type === "secret_key") names.set(b.name, b.type);
	}
	return [...names].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, type]) => ({ name, type }));
}

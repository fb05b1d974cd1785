import type { ConfigCommandChange, ConfigOutcome } from "../coordinator/commands";
import { type Binding, BindingSchema, isSecretBinding } from "../core/bindings";
import type { ConfigPatch } from "../core/config-change";
import { assertEdgeCanRun } from "../edge/edge";
import { ApiError } from "../errors/api-error";
import { fieldIssues, summarise } from "../errors/zod-issues";
import { encryptSecret } from "../secrets/cipher";
import { keyRing, secretMac } from "../secrets/key-ring";
import { getActiveDeployment } from "../storage/deployments";
import { getVersionsByIds } from "../storage/versions";
import { refuseBindingCycle } from "./binding-cycles";
import { type ChangeContext, commandBase, type Done, done } from "./change-context";
import { changed, coordinatorFor } from "./coordinator";
import { keyedFingerprint } from "./fingerprint";
import { requireExistingWorker } from "./lookups";

export interface SettingsRequest {
	bindings?: Record<string, Record<string, unknown> | null>;
	vars?: Record<string, unknown>;
	usage_model?: string;
	compatibility_date?: string;
	compatibility_flags?: string[];
}

interface ConfigRequest {
	worker: string;
	message: string | null;
	/** false: make the new version from the latest one and do not deploy it (`wrangler versions secret put`). */
	deploy: boolean;
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

async function change(
	ctx: ChangeContext,
	input: ConfigRequest,
	what: ConfigCommandChange,
	asked: object = what,
): Promise<Done<ConfigOutcome>> {
	await requireExistingWorker(ctx.env.DB, input.worker);
	// Not deploying is a different request; deploying keeps the fingerprint it always had.
	const deploy = input.deploy ? {} : { deploy: false };
	const print = await keyedFingerprint(ctx.preconditions, "config", { asked, message: input.message, ...deploy });
	return done(
		changed(
			input.worker,
			await coordinatorFor(ctx.env, input.worker).changeConfig({
				...commandBase(ctx, input.worker, print),
				message: input.message,
				change: what,
				deploy: input.deploy,
			}),
		),
	);
}

/** Settings: a new version of the active one with the change, deployed at 100 %. */
export async function changeSettings(
	ctx: ChangeContext,
	input: ConfigRequest & { body: SettingsRequest },
): Promise<Done<ConfigOutcome>> {
	const patch = settingsPatch(input.body);
	// Every new version, however it is made, meets the checks an upload meets.
	const added = Object.values(patch.bindings ?? {}).filter((b): b is Binding => b !== null);
	assertEdgeCanRun(ctx.env, added);
	await refuseBindingCycle(ctx.env.DB, input.worker, added);
	return change(ctx, input, { kind: "settings", patch });
}

/** The value is encrypted here, before it reaches the coordinator, and is never stored or sent in clear. */
export async function putSecret(
	ctx: ChangeContext,
	input: ConfigRequest & { name: string; value: string },
): Promise<Done<ConfigOutcome>> {
	const ring = await keyRing(ctx.env);
	const record = await encryptSecret(ring, ctx.deps, input.worker, input.name, input.value);
	// The fingerprint holds a keyed MAC of the value, never the value (nor its plain hash, which a short
	// secret could be guessed from): a retry with another value under the same key is then caught.
	const value_mac = await secretMac(ring, `${input.worker}/${input.name}`, input.value);
	return change(
		ctx,
		input,
		{ kind: "secret_put", name: input.name, value: record },
		{ kind: "secret_put", name: input.name, value_mac },
	);
}

export async function deleteSecret(
	ctx: ChangeContext,
	input: ConfigRequest & { name: string },
): Promise<Done<ConfigOutcome>> {
	// Deleting needs no key, but refusing without one keeps every secret operation's behaviour alike.
	await keyRing(ctx.env);
	return change(ctx, input, { kind: "secret_delete", name: input.name });
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
	for (const v of versions) for (const b of v.bindings) if (isSecretBinding(b)) names.set(b.name, b.type);
	return [...names].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, type]) => ({ name, type }));
}

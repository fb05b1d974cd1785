import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { guard, type RoutePolicy } from "../../auth/route-policy";
import { SecretNameSchema } from "../../core/bindings";
import { MessageSchema } from "../../core/metadata";
import type { AppEnv } from "../../http/app-env";
import { deleteSecret, listSecretNames, putSecret } from "../../services/config-service";
import { deployVersions } from "../../services/deploy-service";
import { requireVersion, requireWorker } from "../../services/lookups";
import { putSchedules } from "../../services/schedule-service";
import { uploadWorker } from "../../services/upload-service";
import { getSchedules, type ScheduleRecord } from "../../storage/cron-runs";
import { getDeployment, listDeployments } from "../../storage/deployments";
import { getLatestVersion, listVersions } from "../../storage/versions";
import { cloudflareContext } from "./context";
import { CF, CloudflareError, ok } from "./envelope";
import {
	cloudflareDeployment,
	cloudflareScript,
	cloudflareSettings,
	cloudflareVersion,
	cloudflareVersionItem,
	SCRIPT_SETTINGS,
	SUBDOMAIN_STATE,
} from "./present";
import { jsonBody, workerName } from "./request";

/** How many deployments `GET …/deployments` returns; wrangler fetches every version each one names. */
const DEPLOYMENTS_SHOWN = 10;
/** Cloudflare deploys only from the latest 100 versions, so that is what `?deployable=true` lists. */
const DEPLOYABLE_VERSIONS = 100;

const bindingsInherit = (value: string | undefined) => (value === "strict" ? "strict" : "lax");

const CreateDeploymentBody = z.looseObject({
	strategy: z.literal("percentage").default("percentage"),
	versions: z
		.array(z.object({ version_id: z.string().min(1).max(64), percentage: z.number().min(0).max(100) }))
		.min(1)
		.max(2),
	annotations: z.looseObject({ "workers/message": MessageSchema.optional() }).optional(),
});

const READ: RoutePolicy = { scope: "read", on: "worker", action: "worker.read" };
const DEPLOY: RoutePolicy = { scope: "deploy", on: "worker", action: "worker.deploy" };
const UPLOAD: RoutePolicy = { scope: "deploy", on: "worker", action: "version.upload" };
const SETTINGS: RoutePolicy = { scope: "deploy", on: "worker", action: "worker.settings" };
const DEPLOY_OR_ROLLBACK: RoutePolicy = { scope: "rollback", on: "worker", action: "worker.deploy" };
const SECRET_PUT: RoutePolicy = { scope: "secrets", on: "worker", action: "secret.put" };
const SECRET_DELETE: RoutePolicy = { scope: "secrets", on: "worker", action: "secret.delete" };

const NOT_STORED = "shiplog keeps no non-versioned settings; these are the defaults it reports.";

/** `/accounts/:account_id/workers/scripts/:name/…`: Cloudflare's script, version and deployment endpoints. */
export const scripts = new Hono<AppEnv>()
	// Upload and deploy at 100 % (wrangler's first deploy, and any deploy that carries DO migrations).
	.put("/:name", guard(DEPLOY), async (c) => {
		const name = workerName(c);
		const { value } = await uploadWorker(cloudflareContext(c), {
			worker: name,
			request: c.req.raw,
			deploy: true,
			bindingsInherit: bindingsInherit(c.req.query("bindings_inherit")),
		});
		return ok(c, cloudflareScript(name, value.version));
	})
	.post("/:name/versions", guard(UPLOAD), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		const { value } = await uploadWorker(cloudflareContext(c), {
			worker: name,
			request: c.req.raw,
			deploy: false,
			bindingsInherit: bindingsInherit(c.req.query("bindings_inherit")),
		});
		return ok(c, cloudflareVersion(value.version));
	})
	.get("/:name/versions", guard(READ), async (c) => {
		const name = workerName(c);
		const worker = await requireWorker(c.env.DB, name);
		const deployable = c.req.query("deployable") === "true";
		const perPage = deployable ? DEPLOYABLE_VERSIONS : clampInt(c.req.query("per_page"), 10, 1, 100);
		const page = deployable ? 1 : clampInt(c.req.query("page"), 1, 1, 1_000_000);
		// Version numbers are contiguous, so page p starts below number count - (p-1)*per_page + 1.
		const before = worker.version_count - (page - 1) * perPage + 1;
		const { items } = await listVersions(c.env.DB, name, perPage, before);
		return c.json({
			success: true,
			errors: [],
			messages: [],
			result: { items: items.map(cloudflareVersionItem) },
			result_info: { page, per_page: perPage, count: items.length, total_count: worker.version_count },
		});
	})
	.get("/:name/versions/:version_id", guard(READ), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		return ok(c, cloudflareVersion(await requireVersion(c.env.DB, name, c.req.param("version_id"))));
	})
	.get("/:name/deployments", guard(READ), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		// Newest first: wrangler takes deployments[0] as the active one without sorting.
		const { items } = await listDeployments(c.env.DB, name, DEPLOYMENTS_SHOWN);
		return ok(c, { deployments: items.map(cloudflareDeployment) });
	})
	.get("/:name/deployments/:deployment_id", guard(READ), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		const id = c.req.param("deployment_id");
		const deployment = await getDeployment(c.env.DB, name, id);
		if (!deployment) throw new CloudflareError(CF.deploymentNotFound, `Worker ${name} has no deployment ${id}.`, 404);
		return ok(c, cloudflareDeployment(deployment));
	})
	// Deploy, or rollback alone for a deployment that is a rollback (what `wrangler rollback` sends).
	.post("/:name/deployments", guard(DEPLOY_OR_ROLLBACK), async (c) => {
		const name = workerName(c);
		const body = await jsonBody(c, CreateDeploymentBody);
		// An older version at 100 % is a rollback (wrangler rollback): the coordinator applies the rollback rules,
		// and ?force=true overrides the secrets-changed refusal (Cloudflare's 10220).
		const { value } = await deployVersions(cloudflareContext(c), {
			worker: name,
			versions: body.versions,
			// wrangler sends "" when no --message was given.
			message: body.annotations?.["workers/message"] || null,
			force: c.req.query("force") === "true",
		});
		return ok(c, cloudflareDeployment(value));
	})
	.delete("/:name/deployments/:deployment_id", guard({ ...DEPLOY, action: "deployment.delete" }), () => {
		throw new CloudflareError(
			CF.ruleRefused,
			"shiplog keeps every deployment: its log is immutable, so deployments cannot be deleted.",
			422,
		);
	})
	.get("/:name/settings", guard(READ), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		const latest = await getLatestVersion(c.env.DB, name);
		if (!latest) throw new CloudflareError(CF.noVersions, `Worker ${name} has no versions.`, 404);
		return ok(c, cloudflareSettings(latest));
	})
	.get("/:name/script-settings", guard(READ), async (c) => {
		await requireWorker(c.env.DB, workerName(c));
		return ok(c, SCRIPT_SETTINGS, [NOT_STORED]);
	})
	// Wrangler syncs logpush, tags, tail consumers and observability here after a deploy.
	.patch("/:name/script-settings", guard(SETTINGS), async (c) => {
		await requireWorker(c.env.DB, workerName(c));
		return ok(c, SCRIPT_SETTINGS, [NOT_STORED]);
	})
	.get("/:name/subdomain", guard(READ), async (c) => {
		await requireWorker(c.env.DB, workerName(c));
		return ok(c, SUBDOMAIN_STATE, ["shiplog serves managed Workers itself, not on workers.dev."]);
	})
	.post("/:name/subdomain", guard(SETTINGS), async (c) => {
		await requireWorker(c.env.DB, workerName(c));
		return ok(c, SUBDOMAIN_STATE, ["shiplog serves managed Workers itself, not on workers.dev."]);
	})
	.get("/:name/schedules", guard(READ), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		return ok(c, { schedules: cloudflareSchedules(await getSchedules(c.env.DB, name)) });
	})
	// `wrangler deploy` (with `[triggers] crons`) and `wrangler triggers deploy`: the whole list, replaced.
	.put("/:name/schedules", guard(SETTINGS), async (c) => {
		const name = workerName(c);
		const body = await jsonBody(c, SchedulesBody);
		await requireWorker(c.env.DB, name);
		const schedules = await putSchedules(cloudflareContext(c), { worker: name, crons: body.map((s) => s.cron) });
		return ok(c, { schedules: cloudflareSchedules(schedules) });
	})
	.get("/:name/secrets", guard(READ), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		return ok(c, await listSecretNames(c.env.DB, name));
	})
	// `wrangler secret put`: a new version with the secret, deployed at 100 %.
	.put("/:name/secrets", guard(SECRET_PUT), async (c) => {
		const name = workerName(c);
		const body = await jsonBody(c, SecretBody);
		await requireWorker(c.env.DB, name);
		await putSecret(cloudflareContext(c), {
			worker: name,
			message: null,
			deploy: true,
			name: body.name,
			value: body.text,
		});
		return ok(c, { name: body.name, type: body.type });
	})
	.delete("/:name/secrets/:secret", guard(SECRET_DELETE), async (c) => {
		const name = workerName(c);
		await requireWorker(c.env.DB, name);
		const secret = c.req.param("secret");
		await deleteSecret(cloudflareContext(c), { worker: name, message: null, deploy: true, name: secret });
		return ok(c, null);
	});

const SchedulesBody = z.array(z.looseObject({ cron: z.string().min(1).max(256) })).max(100);

const cloudflareSchedules = (schedules: ScheduleRecord[]) =>
	schedules.map((s) => ({ cron: s.cron, created_on: s.created_on, modified_on: s.created_on }));

const SecretBody = z.object({
	name: SecretNameSchema,
	text: z.string().max(5120, "a secret holds at most 5 KiB"),
	type: z.literal("secret_text").default("secret_text"),
});

function clampInt(raw: string | undefined, fallback: number, min: number, max: number): number {
	const value = Number(raw);
	if (raw === undefined || !Number.isInteger(value)) return fallback;
	return Math.min(max, Math.max(min, value));
}

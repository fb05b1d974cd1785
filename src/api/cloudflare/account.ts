import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { guard, type RoutePolicy } from "../../auth/route-policy";
import { SecretNameSchema } from "../../core/bindings";
import { MessageSchema } from "../../core/metadata";
import type { AppEnv } from "../../http/app-env";
import { deleteSecret, putSecret } from "../../services/config-service";
import { requireWorker } from "../../services/lookups";
import { getLatestVersion } from "../../storage/versions";
import { cloudflareContext } from "./context";
import { CF, CloudflareError, ok } from "./envelope";
import { ACCOUNT_SUBDOMAIN, cloudflareLatestVersion, cloudflareService, cloudflareWorker } from "./present";
import { jsonBody, workerName } from "./request";

const LatestVersionPatch = z.looseObject({
	env: z
		.record(
			SecretNameSchema,
			z
				.object({ type: z.literal("secret_text"), text: z.string().max(5120, "a secret holds at most 5 KiB") })
				.nullable(),
		)
		.optional(),
	annotations: z.looseObject({ "workers/message": MessageSchema.optional() }).optional(),
});

const READ: RoutePolicy = { scope: "read", on: "worker", action: "worker.read" };

/** `/accounts/:account_id/workers/…` outside `scripts/`: the service and Worker resources wrangler reads. */
export const account = new Hono<AppEnv>()
	// Wrangler refuses to deploy a new Worker to an account without a workers.dev subdomain.
	.get("/subdomain", guard({ scope: "read", on: "some", action: "account.read" }), (c) =>
		ok(c, { subdomain: ACCOUNT_SUBDOMAIN }),
	)
	.get("/services/:name", guard(READ), async (c) => {
		const name = workerName(c);
		const worker = await requireWorker(c.env.DB, name);
		return ok(c, cloudflareService(worker, await getLatestVersion(c.env.DB, name)));
	})
	// `wrangler versions secret put|delete`: a new version from the latest one, with the change, not deployed.
	.patch(
		"/workers/:name/versions/latest",
		guard({ scope: "secrets", on: "worker", action: "secret.put" }),
		async (c) => {
			const name = workerName(c);
			const body = await jsonBody(c, LatestVersionPatch);
			await requireWorker(c.env.DB, name);
			const entries = Object.entries(body.env ?? {});
			const [entry] = entries;
			if (!entry || entries.length > 1) {
				throw new CloudflareError(
					CF.validation,
					"Send exactly one secret in env: shiplog changes one secret per version.",
				);
			}
			const [secret, value] = entry;
			const ctx = cloudflareContext(c);
			const change = {
				worker: name,
				message: body.annotations?.["workers/message"] || null,
				deploy: false,
				name: secret,
			};
			const { value: outcome } =
				value === null ? await deleteSecret(ctx, change) : await putSecret(ctx, { ...change, value: value.text });
			const version = outcome.version ?? (await getLatestVersion(c.env.DB, name));
			if (!version) throw new CloudflareError(CF.noVersions, `Worker ${name} has no versions.`, 404);
			return ok(c, cloudflareLatestVersion(version));
		},
	)
	.get("/workers/:name", guard(READ), async (c) => {
		const worker = await requireWorker(c.env.DB, workerName(c));
		return ok(c, cloudflareWorker(worker, c.env.SHIPLOG_EDGE_ROUTING_DOMAIN));
	});

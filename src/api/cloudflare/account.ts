import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { getLatestVersion } from "../../storage/versions";
import { requireWorker } from "./context";
import { ok } from "./envelope";
import { ACCOUNT_SUBDOMAIN, cloudflareService, cloudflareWorker } from "./present";
import { workerName } from "./request";

/** `/accounts/:account_id/workers/…` outside `scripts/`: the service and Worker resources wrangler reads. */
export const account = new Hono<AppEnv>()
	// Wrangler refuses to deploy a new Worker to an account without a workers.dev subdomain.
	.get("/subdomain", (c) => ok(c, { subdomain: ACCOUNT_SUBDOMAIN }))
	.get("/services/:name", async (c) => {
		const name = workerName(c);
		const worker = await requireWorker(c.env.DB, name);
		return ok(c, cloudflareService(worker, await getLatestVersion(c.env.DB, name)));
	})
	.get("/workers/:name", async (c) => {
		const worker = await requireWorker(c.env.DB, workerName(c));
		return ok(c, cloudflareWorker(worker, c.env.SHIPLOG_EDGE_ROUTING_DOMAIN));
	});

import { createApp } from "./app";
import { startAudit } from "./audit/run-audit";
import { systemDeps } from "./deps/deps";
import { housekeeping } from "./housekeeping";
import { resealWebhookTargets } from "./notifications/webhook-target";
import { runManagedCrons } from "./runtime/cron/run-crons";
import { resealSecrets } from "./secrets/reseal";

export { AuditRunner } from "./audit/audit-runner";
export { WorkerCoordinator } from "./coordinator/worker-coordinator";
export { ServiceBinding } from "./edge/service-binding";
export { WebhookSender } from "./notifications/webhook-sender";
export { D1DatabaseBinding } from "./runtime/d1/d1-binding";
export { D1DatabaseStore } from "./runtime/d1/d1-database-store";
export { DurableObjectControl, DurableObjectNamespaceBinding } from "./runtime/do/do-binding";
export { DurableObjectSupervisor } from "./runtime/do/do-supervisor";
export { KvNamespaceBinding } from "./runtime/kv/kv-binding";
export { KvNamespaceStore } from "./runtime/kv/kv-store";
export { QueueBinding } from "./runtime/queue/queue-binding";
export { QueueStore } from "./runtime/queue/queue-store";
export { R2BucketBinding } from "./runtime/r2/r2-binding";
export { R2BucketStore } from "./runtime/r2/r2-bucket-store";

const app = createApp();

/** shiplog's every-minute trigger (wrangler.toml) runs managed Workers' cron triggers; the others, the upkeep. */
const MANAGED_CRONS = "* * * * *";

export default {
	fetch: app.fetch,
	async scheduled(controller, env, ctx) {
		if (controller.cron === MANAGED_CRONS) {
			ctx.waitUntil(
				runManagedCrons(env, ctx, systemDeps, controller.scheduledTime).catch((error) =>
					console.error(JSON.stringify({ at: "scheduled.crons", error: String(error) })),
				),
			);
			return;
		}
		ctx.waitUntil(
			startAudit(env, `cron:${controller.cron}`).then((started) => {
				if (!started.ok) console.error(JSON.stringify({ at: "scheduled", error: started.error.message }));
			}),
		);
		ctx.waitUntil(housekeeping(env, systemDeps));
		ctx.waitUntil(reseal(env));
	},
} satisfies ExportedHandler<Env>;

/** After a key rotation, each run re-seals a batch of values under the current key (src/secrets/reseal.ts). */
async function reseal(env: Env): Promise<void> {
	try {
		const report = await resealSecrets(env);
		if (report.resealed > 0 || report.unopenable.length > 0) console.warn(JSON.stringify({ at: "reseal", ...report }));
		const webhooks = await resealWebhookTargets(env);
		if (webhooks.resealed > 0 || webhooks.unopenable.length > 0) {
			console.warn(JSON.stringify({ at: "reseal.webhooks", ...webhooks }));
		}
	} catch (error) {
		console.error(JSON.stringify({ at: "reseal", error: String(error) }));
	}
}

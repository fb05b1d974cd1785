import { createApp } from "./app";
import { runAudit } from "./audit/run-audit";
import { systemDeps } from "./deps/deps";
import { housekeeping } from "./housekeeping";

export { WorkerCoordinator } from "./coordinator/worker-coordinator";
export { ServiceBinding } from "./edge/service-binding";
export { WebhookSender } from "./notifications/webhook-sender";

const app = createApp();

export default {
	fetch: app.fetch,
	async scheduled(controller, env, ctx) {
		ctx.waitUntil(runAudit(env, systemDeps, `cron:${controller.cron}`));
		ctx.waitUntil(housekeeping(env, systemDeps));
	},
} satisfies ExportedHandler<Env>;

import { createApp } from "./app";
import { runAudit } from "./audit/run-audit";
import { systemDeps } from "./deps/deps";

export { WorkerCoordinator } from "./coordinator/worker-coordinator";
export { ServiceBinding } from "./edge/service-binding";

const app = createApp();

export default {
	fetch: app.fetch,
	async scheduled(controller, env, ctx) {
		ctx.waitUntil(runAudit(env, systemDeps, `cron:${controller.cron}`));
	},
} satisfies ExportedHandler<Env>;

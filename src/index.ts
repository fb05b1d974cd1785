import { createApp } from "./app";
import { startAudit } from "./audit/run-audit";

export { AuditRunner } from "./audit/audit-runner";
export { WorkerCoordinator } from "./coordinator/worker-coordinator";
export { ServiceBinding } from "./edge/service-binding";

const app = createApp();

export default {
	fetch: app.fetch,
	async scheduled(controller, env, ctx) {
		ctx.waitUntil(
			startAudit(env, `cron:${controller.cron}`).then((started) => {
				if (!started.ok) console.error(JSON.stringify({ at: "scheduled", error: started.error.message }));
			}),
		);
	},
} satisfies ExportedHandler<Env>;

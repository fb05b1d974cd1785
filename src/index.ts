import { createApp } from "./app";
import { runAudit } from "./audit/run-audit";

export { WorkerCoordinator } from "./coordinator/worker-coordinator";
export { ServiceBinding } from "./edge/service-binding";
export { D1DatabaseBinding } from "./runtime/d1/d1-binding";
export { D1DatabaseStore } from "./runtime/d1/d1-database-store";
export { KvNamespaceBinding } from "./runtime/kv/kv-binding";
export { KvNamespaceStore } from "./runtime/kv/kv-store";
export { R2BucketBinding } from "./runtime/r2/r2-binding";
export { R2BucketStore } from "./runtime/r2/r2-bucket-store";

const app = createApp();

export default {
	fetch: app.fetch,
	async scheduled(controller, env, ctx) {
		ctx.waitUntil(runAudit(env, `cron:${controller.cron}`));
	},
} satisfies ExportedHandler<Env>;

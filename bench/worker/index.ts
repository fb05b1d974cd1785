import { createApp } from "../../src/app";
import shiplog from "../../src/index";
import { benchRoutes } from "./bench-routes";

// The bench-only Worker that `npm run bench` runs (bench/wrangler.toml): shiplog exactly as deployed, plus the
// floor routes under /__bench. None of this is in shiplog's own bundle (npm run build:check makes sure).

// Named one by one (not `export *`): the vitest integration finds a Worker's entrypoints by reading its source.
// bench/test/bench-routes.test.ts fails if shiplog exports one that is missing here.
export {
	AuditRunner,
	D1DatabaseBinding,
	D1DatabaseStore,
	KvNamespaceBinding,
	KvNamespaceStore,
	R2BucketBinding,
	R2BucketStore,
	ServiceBinding,
	WebhookSender,
	WorkerCoordinator,
} from "../../src/index";

const app = createApp();
app.route("/__bench", benchRoutes);

export default { ...shiplog, fetch: app.fetch } satisfies ExportedHandler<Env>;

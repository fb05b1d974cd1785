import type { D1Migration } from "cloudflare:test";

declare global {
	namespace Cloudflare {
		interface Env {
			TEST_MIGRATIONS: D1Migration[];
			/** Overrides the hostile-input properties' fixed seed (vitest.config.ts passes FUZZ_SEED through). */
			FUZZ_SEED: string;
			/** Set: run the binding cost probes (vitest.config.ts passes PROBE through). */
			PROBE: string;
			NATIVE_KV: KVNamespace;
			NATIVE_R2: R2Bucket;
			NATIVE_D1: D1Database;
		}
	}
}

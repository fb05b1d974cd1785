import { defineConfig } from "vitest/config";

// End-to-end: real `wrangler dev` running shiplog, driven by the real wrangler CLI. Plain Node, not workerd.
export default defineConfig({
	test: {
		include: ["test/e2e/**/*.e2e.ts"],
		// One shiplog under `wrangler dev` for the whole run, shared by every file.
		globalSetup: ["test/e2e/global-setup.ts"],
		environment: "node",
		fileParallelism: false,
		testTimeout: 120_000,
		hookTimeout: 120_000,
	},
});

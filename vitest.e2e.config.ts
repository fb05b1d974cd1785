import { defineConfig } from "vitest/config";

// End-to-end: real `wrangler dev` running shiplog, driven by the real wrangler CLI. Plain Node, not workerd.
export default defineConfig({
	test: {
		include: ["test/e2e/**/*.e2e.ts"],
		environment: "node",
		fileParallelism: false,
		testTimeout: 120_000,
		hookTimeout: 120_000,
	},
});

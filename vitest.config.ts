import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
	return {
		plugins: [
			cloudflareTest({
				wrangler: { configPath: "./wrangler.toml" },
				miniflare: {
					bindings: {
						TEST_MIGRATIONS: migrations,
						SHIPLOG_ADMIN_TOKEN: "test-admin-token",
						// 32 zero bytes, base64: a fixed key so tests are repeatable. Never a real key.
						SHIPLOG_SECRETS_KEY: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
						// The edge: small figures so that timeouts and automatic rollbacks happen within a test.
						SHIPLOG_EDGE_ROUTING_DOMAIN: "workers.test",
						// The log's own tests (and rollback rules) bind KV, R2, D1 and queues, which the built-in
						// edge cannot serve; the refusal itself is tested with "refuse" in test/edge/serving.test.ts.
						SHIPLOG_EDGE_UNSUPPORTED_BINDINGS: "accept",
						SHIPLOG_EDGE_TIMEOUT_MS: "1500",
						SHIPLOG_AUTO_ROLLBACK_ERROR_RATE: "0.5",
						SHIPLOG_AUTO_ROLLBACK_MIN_REQUESTS: "10",
						// Webhooks: a receiver that does not answer is given up on within a test's patience.
						SHIPLOG_WEBHOOK_TIMEOUT_MS: "1000",
					},
				},
			}),
		],
		test: {
			setupFiles: ["./test/setup.ts"],
			testTimeout: 30_000,
		},
	};
});

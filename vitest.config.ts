import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

/**
 * Three projects (README "Tests"):
 * - unit: tests of plain functions (src/core, the coordinator's plans) in plain Node. Nothing here may import
 *   cloudflare:*; a test that does fails at once in Node, and belongs in workerd.
 * - workerd: everything else under test/, inside workerd with real D1, R2 and Durable Objects (wrangler.toml).
 * - bench: the bench Worker's own tests (bench/test), against bench/wrangler.toml.
 * End-to-end tests (test/e2e) have their own config, vitest.e2e.config.ts.
 */
export const UNIT_TESTS = ["test/core/**/*.test.ts", "test/coordinator/plans.test.ts"];

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

	/** A project whose tests run inside workerd, as the Worker that `configPath` describes. */
	const workerd = (name: string, configPath: string, include: string[], exclude: string[] = []) =>
		({
			plugins: [
				cloudflareTest({
					wrangler: { configPath },
					miniflare: {
						// Real bindings, for comparing managed Workers' KV, R2 and D1 with them (test/runtime).
						kvNamespaces: ["NATIVE_KV"],
						r2Buckets: ["NATIVE_R2"],
						d1Databases: ["NATIVE_D1"],
						bindings: {
							TEST_MIGRATIONS: migrations,
							// `FUZZ_SEED=<n> npx vitest run test/hostile-input.test.ts` replays a run of the properties.
							FUZZ_SEED: process.env.FUZZ_SEED ?? "",
							// `PROBE=1` runs the cost probes of test/runtime/binding-cost.probe.test.ts (docs/runtime.md "Cost").
							PROBE: process.env.PROBE ?? "",
							SHIPLOG_ADMIN_TOKEN: "test-admin-token",
							// 32 zero bytes, base64: a fixed key so tests are repeatable. Never a real key.
							SHIPLOG_SECRETS_KEY: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
							// Slack requests in test/chatops are signed with this (as Slack signs with the app's secret).
							SLACK_SIGNING_SECRET: "test-slack-signing-secret",
							// The edge: small figures so that timeouts and automatic rollbacks happen within a test.
							SHIPLOG_EDGE_ROUTING_DOMAIN: "workers.test",
							// The log's own tests (and rollback rules) bind queues, Durable Objects and resource ids the built-in
							// edge cannot serve; the refusal itself is tested with "refuse" in test/edge/serving.test.ts.
							SHIPLOG_EDGE_UNSUPPORTED_BINDINGS: "accept",
							SHIPLOG_EDGE_TIMEOUT_MS: "1500",
							SHIPLOG_AUTO_ROLLBACK_ERROR_RATE: "0.5",
							SHIPLOG_AUTO_ROLLBACK_MIN_REQUESTS: "10",
							// Managed Workers' storage: limits small enough to reach in a test (a KV value still spans chunks).
							SHIPLOG_KV_MAX_VALUE_BYTES: "3145728",
							SHIPLOG_KV_MAX_NAMESPACE_BYTES: "8388608",
							SHIPLOG_R2_MAX_OBJECT_BYTES: "1048576",
							SHIPLOG_R2_MAX_BUCKET_BYTES: "3145728",
							SHIPLOG_D1_MAX_DATABASE_BYTES: "1048576",
							SHIPLOG_QUEUE_MAX_BACKLOG_MESSAGES: "50",
							SHIPLOG_DO_MAX_OBJECT_BYTES: "1048576",
							SHIPLOG_DO_MAX_CLASS_BYTES: "2097152",
							// Webhooks: a receiver that does not answer is given up on within a test's patience.
							SHIPLOG_WEBHOOK_TIMEOUT_MS: "1000",
						},
					},
				}),
			],
			test: {
				name,
				include,
				exclude: [...configDefaults.exclude, ...exclude],
				setupFiles: ["./test/setup.ts"],
				testTimeout: 30_000,
			},
		}) satisfies TestProjectInlineConfiguration;

	return {
		test: {
			projects: [
				{ test: { name: "unit", include: UNIT_TESTS, environment: "node" } },
				workerd("workerd", "./wrangler.toml", ["test/**/*.test.ts"], UNIT_TESTS),
				workerd("bench", "./bench/wrangler.toml", ["bench/test/**/*.test.ts"]),
			],
		},
	};
});

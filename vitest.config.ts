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

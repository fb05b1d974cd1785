// Runs before `npm run dev`: makes sure a fresh checkout has local secrets and an up-to-date local D1.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const varsPath = join(root, ".dev.vars");

function readVars() {
	if (!existsSync(varsPath)) return {};
	return Object.fromEntries(
		readFileSync(varsPath, "utf8")
			.split("\n")
			.map((line) => line.match(/^\s*([A-Z0-9_]+)\s*=\s*"?([^"]*)"?\s*$/))
			.filter(Boolean)
			.map((m) => [m[1], m[2]]),
	);
}

const vars = readVars();
const added = [];
if (!vars.SHIPLOG_ADMIN_TOKEN) {
	vars.SHIPLOG_ADMIN_TOKEN = `shl_${randomBytes(24).toString("base64url")}`;
	added.push("SHIPLOG_ADMIN_TOKEN");
}
if (!vars.SHIPLOG_SECRETS_KEY) {
	vars.SHIPLOG_SECRETS_KEY = randomBytes(32).toString("base64");
	added.push("SHIPLOG_SECRETS_KEY");
}
if (!vars.SLACK_SIGNING_SECRET) {
	// A stand-in so /chatops/slack answers locally; paste your Slack app's signing secret over it (docs/slack.md).
	vars.SLACK_SIGNING_SECRET = randomBytes(16).toString("hex");
	added.push("SLACK_SIGNING_SECRET");
}
if (added.length > 0) {
	const body = Object.entries(vars)
		.map(([k, v]) => `${k}="${v}"`)
		.join("\n");
	writeFileSync(varsPath, `# Local secrets for wrangler dev. Never commit this file.\n${body}\n`, { mode: 0o600 });
	console.log(`shiplog: wrote ${added.join(", ")} to .dev.vars`);
}

console.log("shiplog: applying D1 migrations to the local database");
execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
	cwd: root,
	stdio: ["ignore", "inherit", "inherit"],
	env: { ...process.env, CI: "true" },
});

console.log(`
shiplog is starting on http://localhost:8787 (or the --port you gave) — your admin token is in .dev.vars:

  export SHIPLOG_TOKEN=${vars.SHIPLOG_ADMIN_TOKEN}
  curl -H "Authorization: Bearer $SHIPLOG_TOKEN" http://localhost:8787/v1/workers
`);

// npm run build:check: builds shiplog's production bundle as `wrangler deploy` would (--dry-run), and fails if any
// bench code is in it. Bench code carries a marker (BENCH_MARKER, bench/worker/bench-routes.ts) and lives under
// /__bench; the bench Worker's own bundle is built too, to prove that the search would find them there. Also
// checks that bench/wrangler.toml still has wrangler.toml's bindings, vars, migrations, rules and triggers.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const MARKERS = ["shiplog-bench-worker:not-for-production", "/__bench"];

function build(config, dir) {
	// Absolute: wrangler places a relative --outdir next to the config file.
	const outdir = join(root, dir);
	rmSync(outdir, { recursive: true, force: true });
	execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--config", config, "--outdir", outdir], {
		cwd: root,
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
		stdio: ["ignore", "ignore", "inherit"],
	});
	// Every file the upload would carry (the bundle, its source map, text modules).
	return readdirSync(outdir).map((file) => ({ file, text: readFileSync(join(outdir, file), "utf8") }));
}

function found(files) {
	return MARKERS.flatMap((marker) => files.filter((f) => f.text.includes(marker)).map((f) => `${f.file}: ${marker}`));
}

/** The settings that must be the same in both: everything but comments, the name, main and relative paths. */
function settings(config) {
	return readFileSync(join(root, config), "utf8")
		.split("\n")
		.map((line) => line.trim())
		.filter((line) => line !== "" && !line.startsWith("#") && !/^(name|main)\s*=/.test(line))
		.map((line) => line.replace('migrations_dir = "../migrations"', 'migrations_dir = "migrations"'));
}

const problems = [];

const production = build("wrangler.toml", ".wrangler/dry-run");
for (const hit of found(production)) problems.push(`the production bundle holds bench code (${hit})`);

const bench = build("bench/wrangler.toml", ".wrangler/dry-run-bench");
const inBench = found(bench);
for (const marker of MARKERS) {
	if (!inBench.some((hit) => hit.endsWith(marker))) {
		problems.push(`the bench bundle lacks "${marker}": the check would not see bench code; fix the markers`);
	}
}

const [ours, theirs] = [settings("wrangler.toml"), settings("bench/wrangler.toml")];
const missing = ours.filter((line) => !theirs.includes(line));
const extra = theirs.filter((line) => !ours.includes(line));
if (missing.length > 0 || extra.length > 0 || ours.join("\n") !== theirs.join("\n")) {
	problems.push(
		`bench/wrangler.toml differs from wrangler.toml (keep its bindings, vars and migrations the same):\n` +
			[...missing.map((l) => `  only in wrangler.toml: ${l}`), ...extra.map((l) => `  only in bench: ${l}`)].join("\n"),
	);
}

if (problems.length > 0) {
	console.error(`build:check failed:\n- ${problems.join("\n- ")}`);
	process.exit(1);
}
console.log("build:check: production bundle built, no bench code in it; bench/wrangler.toml matches wrangler.toml");

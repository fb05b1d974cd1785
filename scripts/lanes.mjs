// Runs lanes of npm scripts side by side and fails if any fails. A lane is `a+b+c`: its scripts run one after the
// other, and it stops at the first that fails (the other lanes go on). `npm test` is
// `node scripts/lanes.mjs check+test:unit+test:e2e test:workerd`: two lanes for two cores. Each lane's output is
// printed in one piece when it finishes (so lanes do not interleave), then every script's time.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";

const lanes = process.argv.slice(2).map((lane) => lane.split("+"));
if (lanes.length === 0) {
	console.error("usage: node scripts/lanes.mjs <npm script>[+<npm script>...] ...");
	process.exit(2);
}

const started = performance.now();
const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;
const load = () =>
	loadavg()
		.map((x) => x.toFixed(1))
		.join(" ");
console.log(`lanes: ${lanes.map((l) => l.join(" → ")).join(" | ")} on ${cpus().length} cores (load average ${load()})`);

function step(script) {
	return new Promise((resolve) => {
		const t0 = performance.now();
		// Plain output (no colours or spinners): it is printed later, in one piece.
		const child = spawn("npm", ["run", "--silent", script], {
			env: { ...process.env, CI: process.env.CI ?? "true", ...(process.env.FORCE_COLOR ? {} : { NO_COLOR: "1" }) },
			stdio: ["ignore", "pipe", "pipe"],
		});
		const chunks = [];
		child.stdout.on("data", (d) => chunks.push(d));
		child.stderr.on("data", (d) => chunks.push(d));
		child.on("close", (code, signal) => {
			const ms = performance.now() - t0;
			const ok = code === 0;
			console.log(`\n━━━━ ${script}: ${ok ? "passed" : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds(ms)} ━━━━`);
			process.stdout.write(Buffer.concat(chunks).toString());
			resolve({ script, ok, ms });
		});
	});
}

async function lane(scripts) {
	const done = [];
	for (const script of scripts) {
		const result = await step(script);
		done.push(result);
		if (!result.ok) break;
	}
	for (const script of scripts.slice(done.length)) done.push({ script, ok: false, ms: 0, skipped: true });
	return done;
}

const results = (await Promise.all(lanes.map(lane))).flat();
console.log("\n━━━━ times ━━━━");
for (const r of results) {
	const status = r.skipped ? "skipped" : r.ok ? "ok" : "FAILED";
	console.log(`${status.padEnd(8)} ${r.script.padEnd(14)} ${r.skipped ? "" : seconds(r.ms)}`);
}
console.log(`total    ${"".padEnd(14)} ${seconds(performance.now() - started)} (wall clock; load average ${load()})`);
process.exit(results.every((r) => r.ok) ? 0 : 1);

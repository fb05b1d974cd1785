// Runs npm scripts side by side ("lanes") and fails if any fails: `npm test` is
// `node scripts/lanes.mjs check test:unit test:workerd test:e2e`. Each lane's output is printed in one piece
// when it finishes (so lanes do not interleave), then a summary with each lane's time. One script a lane; a lane
// that needs steps in order is an npm script that chains them (`check`).
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";

const lanes = process.argv.slice(2);
if (lanes.length === 0) {
	console.error("usage: node scripts/lanes.mjs <npm script> [<npm script> ...]");
	process.exit(2);
}

const started = performance.now();
const seconds = (ms) => `${(ms / 1000).toFixed(0)} s`;
const load = () =>
	loadavg()
		.map((x) => x.toFixed(1))
		.join(" ");
console.log(`lanes: ${lanes.join(", ")} side by side on ${cpus().length} cores (load average ${load()})`);

function run(script) {
	return new Promise((resolve) => {
		const t0 = performance.now();
		// Plain output (no spinners or cursor moves): it is printed later, in one piece.
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

const results = await Promise.all(lanes.map(run));
console.log("\n━━━━ lanes ━━━━");
for (const r of results) console.log(`${r.ok ? "ok    " : "FAILED"}  ${r.script.padEnd(14)} ${seconds(r.ms)}`);
console.log(`total   ${"".padEnd(14)} ${seconds(performance.now() - started)} (wall clock; load average ${load()})`);
process.exit(results.every((r) => r.ok) ? 0 : 1);

// Starts the bench Worker (bench/wrangler.toml: shiplog plus the /__bench floor routes) under `wrangler dev` on
// loopback, for bench/run.mjs and bench/audit.mjs. The production Worker has no /__bench routes.
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The bench Worker's own configuration (same bindings, vars and migrations as wrangler.toml). */
export const CONFIG = join(root, "bench", "wrangler.toml");
/** What GET /__bench answers in the bench Worker (bench/worker/bench-routes.ts BENCH_MARKER). */
const MARKER = "shiplog-bench-worker:not-for-production";

const childEnv = {
	...process.env,
	PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}`,
	CI: "true",
	WRANGLER_SEND_METRICS: "false",
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** Runs a wrangler command against the bench Worker's configuration; returns its stdout. */
export function wrangler(args) {
	return execFileSync("wrangler", [...args, "--config", CONFIG], {
		cwd: root,
		env: childEnv,
		stdio: ["ignore", "pipe", "inherit"],
	});
}

/**
 * Applies the D1 migrations to a fresh local state in `persist` (unless `migrated`), starts the bench Worker on
 * it with `vars`, and waits until it answers as the bench Worker (its /__bench marker, with `token`).
 */
export async function startBenchWorker({ persist, vars, token, timeoutMs = 90_000, migrated = false }) {
	if (!migrated) wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
	const [port, inspector] = [await freePort(), await freePort()];
	const args = ["dev", "--config", CONFIG, "--ip", "127.0.0.1", "--port", String(port)];
	args.push("--inspector-port", String(inspector), "--persist-to", persist);
	args.push("--log-level", "error", "--show-interactive-dev-session=false");
	for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
	const child = spawn("wrangler", args, {
		cwd: root,
		env: childEnv,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	let output = "";
	child.stdout.on("data", (d) => {
		output += d;
	});
	child.stderr.on("data", (d) => {
		output += d;
	});
	const base = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
		try {
			const res = await fetch(`${base}/__bench`, { headers: { authorization: `Bearer ${token}` } });
			if (res.ok) {
				const answer = await res.json();
				if (answer.worker !== MARKER) throw new Error(`not the bench Worker: ${JSON.stringify(answer)}`);
				break;
			}
			if (res.status === 404) throw new Error("the Worker under wrangler dev has no /__bench: not the bench Worker");
		} catch (error) {
			if (!(error instanceof TypeError)) throw error; // TypeError: not listening yet
		}
		if (Date.now() > deadline) throw new Error(`wrangler dev did not start within ${timeoutMs / 1000} s:\n${output}`);
		await sleep(250);
	}
	return { child, base, output: () => output };
}

export function stopBenchWorker(worker) {
	try {
		process.kill(-worker.child.pid, "SIGTERM");
	} catch {
		// already gone
	}
}

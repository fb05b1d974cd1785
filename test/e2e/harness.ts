import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The wrangler release this suite drives as a client (the project's pinned devDependency). */
export const PINNED_WRANGLER = "4.164.0";

export const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
const WRANGLER = join(BIN, "wrangler");

/** The bins need Node 22 (the `node` devDependency) before the machine's own node. */
const PATH = `${BIN}:${process.env.PATH ?? ""}`;

export interface RunResult {
	code: number | null;
	stdout: string;
	stderr: string;
	/** stdout and stderr together, ANSI colours removed, for assertions on what a person would read. */
	output: string;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
		});
	});
}

/** Runs a command to completion, killing its whole process group if it outlives `timeoutMs`. */
export function run(
	command: string,
	args: string[],
	options: { cwd: string; env?: Record<string, string>; stdin?: string; timeoutMs: number },
): Promise<RunResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: { ...process.env, PATH, ...options.env },
			detached: true,
			stdio: ["pipe", "pipe", "pipe"],
		});
		let stdout = "";
		let stderr = "";
		child.stdout?.on("data", (chunk) => {
			stdout += chunk.toString();
		});
		child.stderr?.on("data", (chunk) => {
			stderr += chunk.toString();
		});
		child.stdin?.end(options.stdin ?? "");
		const timer = setTimeout(() => {
			killGroup(child, "SIGKILL");
			reject(new Error(`${command} ${args.join(" ")} took more than ${options.timeoutMs} ms\n${stdout}\n${stderr}`));
		}, options.timeoutMs);
		child.on("error", (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on("exit", (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}`.replace(ANSI, "") });
		});
	});
}

function killGroup(child: ChildProcess, signal: string): void {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	try {
		// Negative pid: the whole group, so workerd and esbuild started by wrangler go too.
		process.kill(-child.pid, signal);
	} catch {
		// already gone
	}
}

/** Where the one shiplog of an e2e run answers (started by global-setup.ts, shared by every file). */
export interface ShiplogInfo {
	url: string;
	token: string;
	accountId: string;
	/** The Slack app's signing secret shiplog was started with, and the loopback port its response_url may use. */
	slack: { signingSecret: string; responsePort: number };
}

export interface Shiplog extends ShiplogInfo {
	/** What the managed Worker answers through shiplog's edge (`/w/:name/`). */
	edge(worker: string): Promise<string>;
	/** GET/POST on shiplog's native API, as JSON. */
	native<T = any>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
	stop(): Promise<void>;
}

const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";

/**
 * Starts shiplog with `wrangler dev` on a free loopback port, on a fresh local D1/R2/DO state in a temp
 * dir (D1 migrations applied first), and waits until it answers.
 */
export async function startShiplog(options: { readyTimeoutMs?: number } = {}): Promise<Shiplog> {
	const state = await mkdtemp(join(tmpdir(), "shiplog-e2e-state-"));
	const token = `e2e-${crypto.randomUUID()}`;
	const secretsKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
	const migrate = await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
		cwd: ROOT,
		env: { CI: "true", WRANGLER_SEND_METRICS: "false" },
		// Seconds on an idle machine; `npm test` runs this beside the workerd suite, on a CI box that may be busy.
		timeoutMs: 180_000,
	});
	if (migrate.code !== 0) throw new Error(`D1 migrations failed:\n${migrate.output}`);

	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	// A stand-in for Slack's response_url listens here (test/e2e/chatops.e2e.ts); shiplog may post nowhere else.
	const slack = { signingSecret: `e2e-slack-${crypto.randomUUID()}`, responsePort: await freePort() };
	const dev = spawn(
		WRANGLER,
		[
			"dev",
			"--persist-to",
			state,
			"--port",
			String(port),
			"--ip",
			"127.0.0.1",
			"--var",
			`SHIPLOG_ADMIN_TOKEN:${token}`,
			"--var",
			`SHIPLOG_SECRETS_KEY:${secretsKey}`,
			"--var",
			`SHIPLOG_ACCOUNT_ID:${ACCOUNT_ID}`,
			// The Durable Object fixture binds what the built-in edge cannot serve; the log must still take it.
			"--var",
			"SHIPLOG_EDGE_UNSUPPORTED_BINDINGS:accept",
			// Webhook retries a second apart (then 4 s, 16 s, ...), so the suite sees one happen.
			"--var",
			"SHIPLOG_WEBHOOK_RETRY_BASE_SECONDS:1",
			"--var",
			`SLACK_SIGNING_SECRET:${slack.signingSecret}`,
			"--var",
			`SHIPLOG_SLACK_RESPONSE_ORIGINS:http://127.0.0.1:${slack.responsePort}`,
			"--show-interactive-dev-session=false",
		],
		{
			cwd: ROOT,
			env: { ...process.env, PATH, CI: "true", WRANGLER_SEND_METRICS: "false" },
			detached: true,
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let log = "";
	dev.stdout?.on("data", (chunk) => {
		log += chunk.toString();
	});
	dev.stderr?.on("data", (chunk) => {
		log += chunk.toString();
	});
	const exited = new Promise<void>((resolve) => dev.once("exit", () => resolve()));

	const stop = async () => {
		killGroup(dev, "SIGTERM");
		const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
		if (!gone) killGroup(dev, "SIGKILL");
		await rm(state, { recursive: true, force: true });
	};

	const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
	for (;;) {
		if (dev.exitCode !== null || dev.signalCode !== null) {
			await stop();
			throw new Error(`wrangler dev exited before shiplog was ready:\n${log}`);
		}
		try {
			const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`shiplog did not answer on ${url} in time:\n${log}`);
		}
		await sleep(250);
	}

	return { ...connectShiplog({ url, token, accountId: ACCOUNT_ID, slack }), stop };
}

/** A client for a running shiplog: its edge and its native API with the admin token. */
export function connectShiplog(info: ShiplogInfo): Shiplog {
	const { url, token } = info;
	return {
		...info,
		async edge(worker) {
			const res = await fetch(`${url}/w/${worker}/`, { signal: AbortSignal.timeout(10_000) });
			return res.text();
		},
		async native(path, init = {}) {
			const headers = new Headers(init.headers);
			headers.set("authorization", `Bearer ${token}`);
			const res = await fetch(`${url}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
			return { status: res.status, body: await res.json() };
		},
		// The run's global setup owns the process.
		async stop() {},
	};
}

/**
 * A copy of a fixture Worker (`test/fixtures/<name>`, or another folder of the repository such as `examples`) in a
 * temp dir, with HOME beside it, so wrangler's files stay out of the repo.
 */
export async function fixtureCopy(
	name: string,
	from = join("test", "fixtures"),
): Promise<{ dir: string; home: string; remove(): Promise<void> }> {
	const base = await mkdtemp(join(tmpdir(), "shiplog-e2e-client-"));
	const dir = join(base, name);
	await cp(join(ROOT, from, name), dir, { recursive: true });
	return { dir, home: join(base, "home"), remove: () => rm(base, { recursive: true, force: true }) };
}

/** The environment a user sets to point wrangler at shiplog, exactly as the README tells them to. */
export function wranglerEnv(shiplog: Shiplog, client: { home: string }): Record<string, string> {
	return {
		CLOUDFLARE_API_BASE_URL: `${shiplog.url}/client/v4`,
		CLOUDFLARE_API_TOKEN: shiplog.token,
		CLOUDFLARE_ACCOUNT_ID: shiplog.accountId,
		WRANGLER_SEND_METRICS: "false",
		CI: "true",
		HOME: client.home,
		XDG_CONFIG_HOME: join(client.home, ".config"),
		/** For scripts that run wrangler themselves (examples/rooms/setup.mjs). */
		WRANGLER,
	};
}

/** The pinned real wrangler, pointed at shiplog exactly as the README tells a user to. */
export function wranglerAgainst(shiplog: Shiplog, client: { dir: string; home: string }) {
	return (args: string[], options: { stdin?: string; timeoutMs?: number } = {}) =>
		run(WRANGLER, args, {
			cwd: client.dir,
			stdin: options.stdin,
			timeoutMs: options.timeoutMs ?? 90_000,
			env: wranglerEnv(shiplog, client),
		});
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

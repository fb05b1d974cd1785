// The e2e suite runs in Node, not workerd, and the project has no @types/node: these declare exactly the
// Node APIs the harness uses, so it is type-checked strictly without a new dependency.

declare const process: {
	env: Record<string, string | undefined>;
	platform: string;
	kill(pid: number, signal?: string | number): boolean;
};

declare module "node:child_process" {
	interface Readable {
		on(event: "data", listener: (chunk: { toString(): string }) => void): void;
	}
	interface Writable {
		end(data?: string): void;
	}
	export interface ChildProcess {
		pid?: number;
		exitCode: number | null;
		signalCode: string | null;
		stdout: Readable | null;
		stderr: Readable | null;
		stdin: Writable | null;
		on(event: "exit", listener: (code: number | null, signal: string | null) => void): this;
		on(event: "error", listener: (error: Error) => void): this;
		once(event: "exit", listener: (code: number | null, signal: string | null) => void): this;
	}
	export function spawn(
		command: string,
		args: readonly string[],
		options: {
			cwd?: string;
			env?: Record<string, string | undefined>;
			detached?: boolean;
			stdio?: ("pipe" | "ignore")[];
		},
	): ChildProcess;
}

declare module "node:fs/promises" {
	export function mkdtemp(prefix: string): Promise<string>;
	export function rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
	export function cp(from: string, to: string, options?: { recursive?: boolean }): Promise<void>;
	export function readFile(path: string, encoding: "utf8"): Promise<string>;
	export function writeFile(path: string, data: string): Promise<void>;
	export function appendFile(path: string, data: string): Promise<void>;
}

declare module "node:net" {
	interface Server {
		listen(port: number, host: string, callback: () => void): this;
		address(): { port: number } | string | null;
		close(callback?: () => void): this;
		on(event: "error", listener: (error: Error) => void): this;
	}
	export function createServer(): Server;
}

declare module "node:os" {
	export function tmpdir(): string;
}

declare module "node:path" {
	export function join(...parts: string[]): string;
}

import { WORKER_NAME } from "../core/model";

/**
 * The `/shiplog …` grammar. Parsing decides nothing about permissions or existence: it turns the text a
 * person typed into one command, or says what to type instead.
 */
export type VersionRef = { number: number } | { id: string };

export type ChatCommand =
	| { kind: "help" }
	| { kind: "whoami" }
	| { kind: "list" }
	| { kind: "status"; worker: string }
	| { kind: "deployments"; worker: string }
	| { kind: "diff"; worker: string; from: VersionRef | null; to: VersionRef | null }
	| { kind: "candidates"; worker: string }
	| { kind: "rollback"; worker: string; version: VersionRef | null; reason: string | null }
	| { kind: "promote"; worker: string }
	| { kind: "abort"; worker: string }
	| { kind: "link"; code: string };

export type Parsed = { ok: true; command: ChatCommand } | { ok: false; message: string };

export const MAX_REASON_LENGTH = 300;

export const USAGE: Record<string, string> = {
	help: "help",
	whoami: "whoami",
	list: "list",
	status: "status <worker>",
	deployments: "deployments <worker>",
	diff: "diff <worker> [from] [to]",
	candidates: "candidates <worker>",
	rollback: "rollback <worker> [version] [reason…]",
	promote: "promote <worker>",
	abort: "abort <worker>",
	link: "link <code>",
};

const NUMBER = /^[v#]?(\d{1,9})$/i;
const ID = /^[0-9a-f][0-9a-f-]{7,63}$/i;
const LINK_CODE = /^[A-Za-z0-9-]{6,40}$/;

/** `12`, `v12`, `#12` (a version number) or a version id; null when the word is neither. */
export function versionRef(word: string): VersionRef | null {
	const number = word.match(NUMBER);
	if (number) return { number: Number(number[1]) };
	if (ID.test(word)) return { id: word.toLowerCase() };
	return null;
}

const usage = (verb: string) => `Usage: \`/shiplog ${USAGE[verb]}\``;

export function parseCommand(text: string): Parsed {
	const words = text.trim().split(/\s+/).filter(Boolean);
	const verb = (words[0] ?? "help").toLowerCase();
	const args = words.slice(1);
	const ok = (command: ChatCommand): Parsed => ({ ok: true, command });
	if (verb === "help" || verb === "whoami" || verb === "list") {
		return args.length === 0 ? ok({ kind: verb }) : { ok: false, message: usage(verb) };
	}
	if (verb === "link") {
		const code = args[0];
		return args.length === 1 && code && LINK_CODE.test(code)
			? ok({ kind: "link", code })
			: { ok: false, message: usage("link") };
	}
	if (!Object.hasOwn(USAGE, verb)) {
		return { ok: false, message: `\`${verb.slice(0, 40)}\` is not a shiplog command. Try \`/shiplog help\`.` };
	}
	const worker = args[0]?.toLowerCase();
	if (!worker) return { ok: false, message: usage(verb) };
	if (!WORKER_NAME.test(worker)) {
		return { ok: false, message: `\`${worker.slice(0, 64)}\` is not a Worker name. ${usage(verb)}` };
	}
	const rest = args.slice(1);
	switch (verb) {
		case "status":
		case "deployments":
		case "candidates":
		case "promote":
		case "abort":
			return rest.length === 0 ? ok({ kind: verb, worker }) : { ok: false, message: usage(verb) };
		case "diff": {
			if (rest.length > 2) return { ok: false, message: usage(verb) };
			const refs = rest.map(versionRef);
			if (refs.some((r) => r === null)) {
				return { ok: false, message: `from and to are version numbers (v3) or ids. ${usage(verb)}` };
			}
			return ok({ kind: "diff", worker, from: refs[0] ?? null, to: refs[1] ?? null });
		}
		default: {
			const first = rest[0] ? versionRef(rest[0]) : null;
			const words = first ? rest.slice(1) : rest;
			const reason = words.join(" ").slice(0, MAX_REASON_LENGTH) || null;
			return ok({ kind: "rollback", worker, version: first, reason });
		}
	}
}

import { type Outcome, outcome, settle } from "../outcome";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { type D1Format, type D1Param, type D1ResultWire, type D1Statement, d1Error } from "./d1-run";

/** The database's calls (D1DatabaseStore's), whether made over RPC or on the object itself. */
export interface D1Data {
	runStatement(statement: D1Statement, format: D1Format): Promise<Outcome<D1ResultWire>>;
	runBatch(statements: D1Statement[]): Promise<Outcome<D1ResultWire[]>>;
	execLines(text: string): Promise<Outcome<{ count: number; duration: number }>>;
}

/** What a managed Worker may call, by name: D1Operations' methods, and nothing else of it. */
export const D1_METHODS = ["runStatement", "runBatch", "execLines"] as const;

/**
 * A managed Worker's D1 calls, with statements checked as D1 checks them, on one database. Both ways a Worker
 * reaches a database run through here: the binding entrypoint (d1-binding.ts, over an RPC stub of the store)
 * and the session the store hands out (D1DatabaseStore.session, on the object itself). `holder` says who is
 * calling, for logs; it never addresses data. Every argument may be anything a Worker's code sent.
 */
export class D1Operations {
	readonly #data: D1Data;
	readonly #holder: RuntimeBindingProps;

	constructor(data: D1Data, holder: RuntimeBindingProps) {
		this.#data = data;
		this.#holder = holder;
	}

	runStatement(statement: D1Statement, format: D1Format): Promise<Outcome<D1ResultWire>> {
		return this.#run("query", async () =>
			settle(await this.#data.runStatement(checked(statement), format === "rows" ? "rows" : "objects")),
		);
	}

	runBatch(statements: D1Statement[]): Promise<Outcome<D1ResultWire[]>> {
		return this.#run("batch", async () => {
			if (!Array.isArray(statements)) throw d1Error("batch() takes an array of statements.", "D1_TYPE_ERROR");
			return settle(await this.#data.runBatch(statements.map(checked)));
		});
	}

	execLines(text: string): Promise<Outcome<{ count: number; duration: number }>> {
		return this.#run("exec", async () => {
			if (typeof text !== "string") throw d1Error("exec() takes SQL text.", "D1_TYPE_ERROR");
			return settle(await this.#data.execLines(text));
		});
	}

	#run<T>(op: string, work: () => Promise<T>): Promise<Outcome<T>> {
		const { worker, version, binding, resource } = this.#holder;
		return outcome(work, `D1_ERROR: Internal error in ${op}`, { worker, version, binding, resource, op }, true);
	}
}

/** A statement as D1 accepts it: SQL text and values SQLite can bind (the shim converts the rest, as D1 does). */
function checked(statement: D1Statement): D1Statement {
	if (typeof statement?.sql !== "string") throw d1Error("A statement needs SQL text.", "D1_TYPE_ERROR");
	const params = Array.isArray(statement.params) ? statement.params : [];
	return { sql: statement.sql, params: params.map(param) };
}

function param(value: unknown): D1Param {
	if (value === null || typeof value === "number" || typeof value === "string" || value instanceof ArrayBuffer) {
		return value;
	}
	throw d1Error(`Type '${typeof value}' not supported for value '${String(value)}'`, "D1_TYPE_ERROR");
}

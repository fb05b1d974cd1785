import { WorkerEntrypoint } from "cloudflare:workers";
import { BindingSession } from "../binding-session";
import { type Outcome, outcome, settle } from "../outcome";
import { storeName } from "../resource-ids";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { type D1Format, type D1Param, type D1ResultWire, type D1Statement, d1Error } from "./d1-run";

/**
 * What a managed Worker holds for a `d1` binding (through the shim's D1Database, which builds statements, since
 * prepare() and bind() are synchronous). Its only identity is `ctx.props`, so a Worker reaches exactly the
 * databases its version binds. Statements are checked here, since the Worker's code can call these methods
 * without the shim, and run by the database's D1DatabaseStore.
 */
export class D1DatabaseBinding extends WorkerEntrypoint<Env, RuntimeBindingProps> {
	runStatement(statement: D1Statement, format: D1Format): Promise<Outcome<D1ResultWire>> {
		return this.#run("query", async () =>
			settle(await this.#store().runStatement(checked(statement), format === "rows" ? "rows" : "objects")),
		);
	}

	runBatch(statements: D1Statement[]): Promise<Outcome<D1ResultWire[]>> {
		return this.#run("batch", async () => {
			if (!Array.isArray(statements)) throw d1Error("batch() takes an array of statements.", "D1_TYPE_ERROR");
			return settle(await this.#store().runBatch(statements.map(checked)));
		});
	}

	execLines(text: string): Promise<Outcome<{ count: number; duration: number }>> {
		return this.#run("exec", async () => {
			if (typeof text !== "string") throw d1Error("exec() takes SQL text.", "D1_TYPE_ERROR");
			return settle(await this.#store().execLines(text));
		});
	}

	/** The rest of the calling request's calls, through this instance (binding-session.ts). */
	session(): BindingSession<D1DatabaseBinding> {
		return new BindingSession<D1DatabaseBinding>(this, ["runStatement", "runBatch", "execLines"]);
	}

	#stub: ReturnType<Env["D1_DATABASES"]["getByName"]> | undefined;

	/** One stub per instance: a session's calls share it (a stub cannot outlive the request that made it). */
	#store() {
		this.#stub ??= this.env.D1_DATABASES.getByName(storeName("d1", this.ctx.props.resource));
		return this.#stub;
	}

	#run<T>(op: string, work: () => Promise<T>): Promise<Outcome<T>> {
		const { worker, version, binding, resource } = this.ctx.props;
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

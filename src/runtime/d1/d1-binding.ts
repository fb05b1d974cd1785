import { WorkerEntrypoint } from "cloudflare:workers";
import type { Outcome } from "../outcome";
import { storeName } from "../resource-ids";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { D1Operations } from "./d1-operations";
import type { D1Format, D1ResultWire, D1Statement } from "./d1-run";

/**
 * What a managed Worker holds for a `d1` binding (through the shim's D1Database, which builds statements, since
 * prepare() and bind() are synchronous). Its only identity is `ctx.props`, so a Worker reaches exactly the
 * databases its version binds. Statements are checked (d1-operations.ts), since the Worker's code can call these
 * methods without the shim, and run by the database's D1DatabaseStore.
 */
export class D1DatabaseBinding extends WorkerEntrypoint<Env, RuntimeBindingProps> {
	runStatement(statement: D1Statement, format: D1Format): Promise<Outcome<D1ResultWire>> {
		return this.#operations().runStatement(statement, format);
	}

	runBatch(statements: D1Statement[]): Promise<Outcome<D1ResultWire[]>> {
		return this.#operations().runBatch(statements);
	}

	execLines(text: string): Promise<Outcome<{ count: number; duration: number }>> {
		return this.#operations().execLines(text);
	}

	/**
	 * The rest of the calling request's calls, made on the database's object in one hop: a session the store
	 * creates for this binding's holder (D1DatabaseStore.session; docs/runtime.md "Cost").
	 */
	session() {
		return this.#store().session(this.ctx.props);
	}

	#stub: ReturnType<Env["D1_DATABASES"]["getByName"]> | undefined;

	#store() {
		this.#stub ??= this.env.D1_DATABASES.getByName(storeName("d1", this.ctx.props.resource));
		return this.#stub;
	}

	#operations(): D1Operations {
		return new D1Operations(this.#store(), this.ctx.props);
	}
}

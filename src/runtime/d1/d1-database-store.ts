import { DurableObject } from "cloudflare:workers";
import { BindingSession } from "../binding-session";
import { type Outcome, outcome } from "../outcome";
import type { RuntimeBindingProps } from "../runtime-bindings";
import { storageLimits } from "../storage-limits";
import { Tombstone } from "../tombstone";
import { D1_METHODS, D1Operations } from "./d1-operations";
import {
	type D1Format,
	type D1ResultWire,
	type D1Statement,
	d1Deleted,
	d1Error,
	execLines,
	runStatement,
} from "./d1-run";

/**
 * One D1 database (one object per database id, named by storeName("d1", id)). Its SQLite holds the database's
 * own tables and nothing of shiplog's, so the Worker's SQL sees exactly its schema. Every call runs in one
 * transaction: a batch is atomic, as D1's is, and a write that grows the database past its limit is rolled back.
 * It is reached only through D1DatabaseBinding, or a session it opened here, which check statements first
 * (d1-operations.ts). Once the database is deleted, its tombstone (in the object's key-value storage, which the
 * database's SQL cannot reach) refuses every call until it is registered again.
 */
export class D1DatabaseStore extends DurableObject<Env> {
	readonly #tombstone = new Tombstone(this.ctx.storage);

	runStatement(statement: D1Statement, format: D1Format): Promise<Outcome<D1ResultWire>> {
		return this.#transaction("query", () => runStatement(this.ctx.storage.sql, statement, format));
	}

	runBatch(statements: D1Statement[]): Promise<Outcome<D1ResultWire[]>> {
		return this.#transaction("batch", () => {
			if (statements.length === 0) throw d1Error("No SQL statements detected.");
			return statements.map((statement) => runStatement(this.ctx.storage.sql, statement, "objects"));
		});
	}

	execLines(text: string): Promise<Outcome<{ count: number; duration: number }>> {
		return this.#transaction("exec", () => execLines(this.ctx.storage.sql, text));
	}

	/**
	 * A managed Worker request's calls to this database, for `holder` (whom D1DatabaseBinding vouches for, from
	 * its props): an RpcTarget living in this object, so the Worker's calls reach it in one hop. It offers only
	 * the binding's own operations, checked as the binding checks them, on this database and no other.
	 */
	session(holder: RuntimeBindingProps): BindingSession<D1Operations> {
		return new BindingSession(new D1Operations(this, holder), D1_METHODS);
	}

	/** The database file's size, which is what its limit measures. */
	usage(): { bytes: number } {
		return { bytes: this.ctx.storage.sql.databaseSize };
	}

	/**
	 * Deletes every table and row: for when the database itself is deleted, and then (`tombstone`) every later
	 * call is refused, as for a database that does not exist, until `revive()`.
	 */
	async destroy(tombstone = false): Promise<void> {
		await this.#tombstone.empty(tombstone);
	}

	/** The database is registered again: it answers calls again, empty (the tombstone's table gone too). */
	async revive(): Promise<void> {
		await this.#tombstone.empty(false);
	}

	#transaction<T>(op: string, work: () => T): Promise<Outcome<T>> {
		return outcome(
			() => {
				if (this.#tombstone.laid) throw d1Deleted();
				const sql = this.ctx.storage.sql;
				const limit = storageLimits(this.env).d1DatabaseBytes;
				const before = sql.databaseSize;
				return this.ctx.storage.transactionSync(() => {
					const result = work();
					// SQLite never shrinks the file, so only a write that grew it past the limit is refused (and
					// rolled back); writes that reuse freed pages go on.
					if (sql.databaseSize > limit && sql.databaseSize > before) {
						throw d1Error(`Exceeded maximum DB size of ${limit} bytes: SQLITE_FULL`, "D1_ERROR", "storage_limit");
					}
					return result;
				});
			},
			`D1_ERROR: Internal error in ${op}`,
			{ store: "d1", op },
		);
	}
}

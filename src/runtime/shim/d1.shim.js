// Shipped into managed Workers (see install.shim.js): a D1Database over the stub of src/runtime/d1/d1-binding.ts.
// prepare() and bind() are synchronous in D1's API, so statements are built here and sent whole when run.
// Statements are checked and run on shiplog's side; this file only adapts shapes.
import { unwrap } from "./outcome.shim.js";

function typeError(value) {
	const message = `Type '${typeof value}' not supported for value '${value}'`;
	return new Error(`D1_TYPE_ERROR: ${message}`, { cause: new Error(message) });
}

/** D1's bind(): numbers and strings as they are, booleans as 1/0, byte arrays and buffers as blobs. */
function bindable(value) {
	if (value === null || typeof value === "number" || typeof value === "string") return value;
	if (typeof value === "boolean") return value ? 1 : 0;
	if (value instanceof ArrayBuffer) return value;
	if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
	if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
		return new Uint8Array(value).buffer;
	}
	throw typeError(value);
}

/** What a statement sends: its SQL and bound values. Kept outside the object so Worker code cannot forge it. */
const wires = new WeakMap();

function wireOf(statement) {
	const wire = wires.get(statement);
	if (!wire) throw new TypeError("D1_ERROR: batch() takes statements made by prepare() of this database.");
	return wire;
}

class D1PreparedStatement {
	#stub;

	constructor(stub, sql, params) {
		this.#stub = stub;
		wires.set(this, { sql, params });
	}

	bind(...values) {
		return new D1PreparedStatement(this.#stub, wireOf(this).sql, values.map(bindable));
	}

	async first(column) {
		const { results } = unwrap(await this.#stub.runStatement(wireOf(this), "objects"));
		const row = results[0];
		if (column === undefined) return row ?? null;
		if (row === undefined) return null;
		if (!(column in row)) {
			throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`, { cause: new Error("Column not found") });
		}
		return row[column];
	}

	async all() {
		return unwrap(await this.#stub.runStatement(wireOf(this), "objects"));
	}

	async run() {
		return unwrap(await this.#stub.runStatement(wireOf(this), "objects"));
	}

	async raw(options) {
		const { results } = unwrap(await this.#stub.runStatement(wireOf(this), "rows"));
		return options?.columnNames ? [results.columns, ...results.rows] : results.rows;
	}
}

class D1DatabaseSession {
	#database;

	constructor(database) {
		this.#database = database;
	}

	prepare(sql) {
		return this.#database.prepare(sql);
	}

	batch(statements) {
		return this.#database.batch(statements);
	}

	/** One primary and no replicas: there is nothing for a bookmark to order. */
	getBookmark() {
		return null;
	}
}

/** What the binding answers when shiplog failed, by binding method (worded as src/runtime/d1/d1-operations.ts). */
export function d1InternalError(method) {
	const op = { runBatch: "batch", execLines: "exec" }[method] ?? "query";
	return `D1_ERROR: Internal error in ${op}`;
}

export class D1Database {
	#stub;

	constructor(stub) {
		this.#stub = stub;
	}

	prepare(sql) {
		return new D1PreparedStatement(this.#stub, String(sql), []);
	}

	async batch(statements) {
		return unwrap(await this.#stub.runBatch(statements.map(wireOf)));
	}

	async exec(sql) {
		return unwrap(await this.#stub.execLines(String(sql)));
	}

	withSession() {
		return new D1DatabaseSession(this);
	}

	async dump() {
		throw new Error("D1_DUMP_ERROR: dump() is not supported; export the database with wrangler instead.");
	}
}

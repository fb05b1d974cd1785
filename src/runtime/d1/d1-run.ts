import { BindingError } from "../outcome";

/** A value bound to a statement as it reaches SQLite. */
export type D1Param = null | number | string | ArrayBuffer;

export interface D1Statement {
	sql: string;
	params: D1Param[];
}

/** "objects": rows as objects (all, run, first); "rows": columns and arrays (raw). */
export type D1Format = "objects" | "rows";

/** A value in a result: D1 answers blobs as arrays of bytes. */
export type D1Value = null | number | string | number[];

export interface D1Meta {
	served_by: string;
	served_by_primary: boolean;
	total_attempts: number;
	timings: { sql_duration_ms: number };
	duration: number;
	changes: number;
	last_row_id: number;
	changed_db: boolean;
	size_after: number;
	rows_read: number;
	rows_written: number;
}

export interface D1ResultWire {
	success: true;
	meta: D1Meta;
	results: Record<string, D1Value>[] | { columns: string[]; rows: D1Value[][] };
}

/** An error the Worker sees as D1's: `D1_ERROR: <engine message>`, the engine's message as the cause. */
export function d1Error(message: string, prefix = "D1_ERROR", reason?: "storage_limit"): BindingError {
	return new BindingError(`${prefix}: ${message}`, "Error", message, reason);
}

/** A call on a database that was deleted (its store holds a tombstone). */
export function d1Deleted(): BindingError {
	return d1Error("Database not found: it was deleted.");
}

const engineMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

function counters(sql: SqlStorage) {
	return sql
		.exec<{ total: number; last: number }>("SELECT total_changes() AS total, last_insert_rowid() AS last")
		.one();
}

const value = (v: SqlStorageValue): D1Value => (v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v);

/**
 * Runs one statement the way D1 does (its SQL engine is the same SQLite), with D1's result shape and meta.
 * Engine errors become D1's; the caller runs this inside a transaction.
 */
export function runStatement(sql: SqlStorage, statement: D1Statement, format: D1Format): D1ResultWire {
	if (statement.sql.trim() === "") throw d1Error("No SQL statements detected.");
	const before = counters(sql);
	const sizeBefore = sql.databaseSize;
	const started = performance.now();
	let columns: string[];
	let rows: D1Value[][];
	let cursor: SqlStorageCursor<Record<string, SqlStorageValue>>;
	try {
		cursor = sql.exec(statement.sql, ...statement.params);
		columns = cursor.columnNames;
		rows = Array.from(cursor.raw(), (row) => row.map(value));
	} catch (error) {
		throw d1Error(engineMessage(error));
	}
	const duration = performance.now() - started;
	const after = counters(sql);
	const sizeAfter = sql.databaseSize;
	const changes = after.total - before.total;
	const meta: D1Meta = {
		served_by: "shiplog",
		served_by_primary: true,
		total_attempts: 1,
		timings: { sql_duration_ms: duration },
		duration,
		changes,
		last_row_id: after.last,
		changed_db: changes !== 0 || after.last !== before.last || sizeAfter !== sizeBefore,
		size_after: sizeAfter,
		rows_read: cursor.rowsRead,
		rows_written: cursor.rowsWritten,
	};
	const results =
		format === "rows"
			? { columns, rows }
			: rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null])));
	return { success: true, meta, results };
}

/**
 * D1's exec(): one statement per line (a statement over several lines fails, as on D1), no parameters.
 * Answers how many statements ran and how long they took.
 */
export function execLines(sql: SqlStorage, text: string): { count: number; duration: number } {
	const lines = text.split("\n");
	let count = 0;
	let duration = 0;
	for (const [index, raw] of lines.entries()) {
		const line = raw.trim();
		if (line === "") continue;
		const started = performance.now();
		try {
			sql.exec(line).toArray();
		} catch (error) {
			throw d1Error(`Error in line ${index + 1}: ${line}: ${engineMessage(error)}`, "D1_EXEC_ERROR");
		}
		duration += performance.now() - started;
		count++;
	}
	if (count === 0) throw d1Error("Error in line 1: : No SQL statements detected.", "D1_EXEC_ERROR");
	return { count, duration };
}

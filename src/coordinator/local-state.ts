import type { Counters, WriterState } from "./commands";
import { COORDINATOR_SCHEMA } from "./schema";

/** A write sent to D1 whose outcome is not yet known. */
export interface PendingWrite {
	version_id: string | null;
	deployment_id: string | null;
	next: Counters;
}

type SqlValue = string | number | null;

/**
 * The coordinator's own SQLite: its counters and pointer as of the last confirmed write, and a write whose
 * outcome is unknown (docs/storage-layout.md). The schema is created on the first write, not before, so a
 * coordinator that is only asked questions (the edge resolving a name that was never deployed) costs no storage.
 */
export class LocalState {
	private migrated = false;
	/**
	 * Whether these counters were checked against D1 since this instance started (or since a write of its own
	 * failed). Until they are, they may lag behind a batch that reached D1 just before an earlier instance stopped.
	 */
	private checked = false;

	constructor(private readonly storage: DurableObjectStorage) {}

	get verified(): boolean {
		return this.checked;
	}

	markVerified(): void {
		this.checked = true;
	}

	distrust(): void {
		this.checked = false;
	}

	read(): WriterState | null {
		if (!this.hasSchema()) return null;
		return (
			this.sql<WriterState>(
				"read state",
				"SELECT worker, version_count, deployment_count, active_deployment_id FROM state WHERE id = 1",
			)[0] ?? null
		);
	}

	write(state: WriterState): void {
		this.migrate();
		this.sql(
			"write state",
			`INSERT INTO state (id, worker, version_count, deployment_count, active_deployment_id) VALUES (1, ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET worker = excluded.worker, version_count = excluded.version_count,
			   deployment_count = excluded.deployment_count, active_deployment_id = excluded.active_deployment_id`,
			state.worker,
			state.version_count,
			state.deployment_count,
			state.active_deployment_id,
		);
	}

	readPending(): PendingWrite | null {
		if (!this.hasSchema()) return null;
		const row = this.sql<{ write: string }>("read pending", "SELECT write FROM pending WHERE id = 1")[0];
		return row ? (JSON.parse(row.write) as PendingWrite) : null;
	}

	writePending(write: PendingWrite, at: string): void {
		this.migrate();
		this.sql(
			"write pending",
			"INSERT OR REPLACE INTO pending (id, write, created_on) VALUES (1, ?, ?)",
			JSON.stringify(write),
			at,
		);
	}

	clearPending(): void {
		if (this.hasSchema()) this.sql("clear pending", "DELETE FROM pending");
	}

	/** Runs `work` as one transaction of this object's storage. */
	transaction<T>(work: () => T): T {
		return this.storage.transactionSync(work);
	}

	/** Whether this object has ever written; if it has, its schema is brought up to date first. */
	private hasSchema(): boolean {
		if (this.migrated) return true;
		const exists =
			this.sql<{ n: number }>(
				"look for the schema",
				"SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
			)[0]?.n === 1;
		if (exists) this.migrate();
		return exists;
	}

	/** Applies the entries of COORDINATOR_SCHEMA not applied yet, in order, in one transaction. */
	private migrate(): void {
		if (this.migrated) return;
		this.storage.transactionSync(() => {
			this.sql("create schema_version", "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
			const current = this.appliedVersion();
			if (current >= COORDINATOR_SCHEMA.length) return;
			COORDINATOR_SCHEMA.slice(current).forEach((statement, i) => {
				this.sql(`schema entry ${current + i + 1}`, statement);
			});
			this.sql("record schema version", "DELETE FROM schema_version");
			this.sql("record schema version", "INSERT INTO schema_version (version) VALUES (?)", COORDINATOR_SCHEMA.length);
		});
		this.migrated = true;
	}

	private appliedVersion(): number {
		return this.sql<{ version: number }>("read schema version", "SELECT version FROM schema_version")[0]?.version ?? 0;
	}

	/** Every query has a name, so a failure says which one failed. */
	private sql<T>(name: string, query: string, ...params: SqlValue[]): T[] {
		try {
			return this.storage.sql.exec(query, ...params).toArray() as T[];
		} catch (error) {
			throw new Error(`coordinator storage: ${name} failed: ${String(error)}`);
		}
	}
}

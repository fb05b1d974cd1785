import { DurableObject } from "cloudflare:workers";
import { BindingError, type BindingErrorKind, type Outcome, outcome } from "../outcome";
import { applySchema } from "../sqlite-schema";
import { durableObjectLimits } from "../storage-limits";
import { facetClass, facetSource } from "./do-facet-version";
import { checkObjectId, DO_TARGET_HEADER, type FacetTarget } from "./do-rules";

const SCHEMA = [
	// Every object of the class that was ever reached (facet name = its id), and its alarm, if set.
	"CREATE TABLE facets (hex TEXT PRIMARY KEY, alarm_at INTEGER, alarm_retries INTEGER NOT NULL DEFAULT 0)",
	"CREATE INDEX facets_alarm ON facets (alarm_at) WHERE alarm_at IS NOT NULL",
	// The object's SQLite database size, as the object reported it after the last call made through here.
	"ALTER TABLE facets ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0",
];

/** KV key of the running total of the objects' measured sizes. */
const CLASS_BYTES = "bytes";

/** An alarm handler that throws is retried this many times, 1 s, 2 s, 4 s, … apart (as Cloudflare does). */
const ALARM_RETRIES = 6;

/** How many objects one class may have, unless SHIPLOG_DO_MAX_OBJECTS_PER_CLASS says otherwise. */
export const DEFAULT_MAX_OBJECTS = 100_000;

type FacetStub = Fetcher;

/** A method of a facet's stub (a stub answers every name with a callable). */
function rpc(facet: FacetStub, method: string): (...args: unknown[]) => Promise<unknown> {
	return (facet as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method] as (
		...args: unknown[]
	) => Promise<unknown>;
}

const ERROR_KINDS: ReadonlySet<string> = new Set(["Error", "TypeError", "RangeError", "SyntaxError"]);

/**
 * One per Durable Object class storage of a managed Worker (named `do:<storage id>`, see migrations/0055): it
 * runs every object of the class as a facet (`ctx.facets`), each with its own SQLite storage, the class loaded
 * through the Worker Loader from the Worker's active deployment. It keeps the objects' index (for deleting the
 * class) and their alarms, since a facet cannot set one. When the active deployment changes, an object still
 * running older code is restarted on the new code at its next call.
 */
export class DurableObjectSupervisor extends DurableObject<Env> {
	/** Which code each running facet was started on (FacetSource.key). */
	readonly #running = new Map<string, string>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		applySchema(ctx.storage, SCHEMA);
	}

	override async fetch(request: Request): Promise<Response> {
		const target = parseTarget(request.headers.get(DO_TARGET_HEADER));
		if (!target) return new Response("Bad Durable Object request", { status: 400 });
		const headers = new Headers(request.headers);
		headers.delete(DO_TARGET_HEADER);
		let facet: FacetStub;
		try {
			facet = await this.#facet(target);
		} catch (error) {
			if (error instanceof BindingError) return new Response(error.message, { status: 404 });
			throw error;
		}
		try {
			return await facet.fetch(new Request(request, { headers }));
		} finally {
			await this.#measure(target.hex, facet);
		}
	}

	callFacet(target: FacetTarget, method: string, args: unknown[]): Promise<Outcome<unknown>> {
		return this.#outcome(target, async () => {
			const facet = await this.#facet(target);
			try {
				return await rpc(facet, method)(...args);
			} catch (error) {
				throw asWorkerError(error);
			} finally {
				await this.#measure(target.hex, facet);
			}
		});
	}

	setFacetAlarm(target: FacetTarget, at: number | null): Promise<Outcome<void>> {
		return this.#outcome(target, async () => {
			this.#register(target);
			this.ctx.storage.sql.exec("UPDATE facets SET alarm_at = ?2, alarm_retries = 0 WHERE hex = ?1", target.hex, at);
			await this.#reschedule();
		});
	}

	getFacetAlarm(target: FacetTarget): Promise<Outcome<number | null>> {
		return this.#outcome(target, async () => {
			const row = this.ctx.storage.sql
				.exec<{ alarm_at: number | null }>("SELECT alarm_at FROM facets WHERE hex = ?1", target.hex)
				.toArray()[0];
			return row?.alarm_at ?? null;
		});
	}

	/** How many objects the class has. */
	usage(): { objects: number } {
		return { objects: this.#count() };
	}

	/** How many objects the class has, and their databases' bytes as last measured (see #measure). */
	storageUsage(): { objects: number; bytes: number } {
		return { objects: this.#count(), bytes: this.#classBytes() };
	}

	/**
	 * Deletes every object of the class with its storage and alarms, for a migration that deleted the class.
	 * Called after the deployment that deletes it is committed (D1 then says the class is deleted, so no new
	 * call reaches an object); idempotent.
	 */
	async destroy(): Promise<void> {
		for (const { hex } of this.ctx.storage.sql.exec<{ hex: string }>("SELECT hex FROM facets").toArray()) {
			this.ctx.facets.delete(hex);
			this.#running.delete(hex);
		}
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
		applySchema(this.ctx.storage, SCHEMA);
	}

	override async alarm(info?: AlarmInvocationInfo): Promise<void> {
		const storage = this.ctx.storage.kv.get<string>("storage");
		const now = Date.now();
		const due = this.ctx.storage.sql
			.exec<{ hex: string; alarm_retries: number }>(
				"SELECT hex, alarm_retries FROM facets WHERE alarm_at IS NOT NULL AND alarm_at <= ?1",
				now,
			)
			.toArray();
		for (const { hex, alarm_retries } of due) {
			this.ctx.storage.sql.exec("UPDATE facets SET alarm_at = NULL WHERE hex = ?1", hex);
			try {
				if (storage === undefined) throw new Error("supervisor has no storage id");
				const facet = await this.#facet({ storage, hex });
				try {
					await rpc(facet, "__shiplogAlarm")({ retryCount: alarm_retries, isRetry: alarm_retries > 0 });
				} finally {
					await this.#measure(hex, facet);
				}
				this.ctx.storage.sql.exec("UPDATE facets SET alarm_retries = 0 WHERE hex = ?1", hex);
			} catch (error) {
				console.error(JSON.stringify({ at: "do.alarm", storage, hex, retry: alarm_retries, error: String(error) }));
				if (alarm_retries < ALARM_RETRIES) {
					// Unless the handler set a new alarm before it threw, the same one runs again later.
					this.ctx.storage.sql.exec(
						"UPDATE facets SET alarm_at = ?2, alarm_retries = ?3 WHERE hex = ?1 AND alarm_at IS NULL",
						hex,
						Date.now() + 1000 * 2 ** alarm_retries,
						alarm_retries + 1,
					);
				}
			}
		}
		void info;
		await this.#reschedule();
	}

	async #facet(target: FacetTarget): Promise<FacetStub> {
		const source = await facetSource(this.env, target.storage, target.hex);
		if (!source) {
			throw new BindingError(
				"This Durable Object's class no longer exists: a migration deleted it, or its Worker is not deployed.",
			);
		}
		this.#register(target);
		const running = this.#running.get(target.hex);
		if (running !== undefined && running !== source.key) {
			this.ctx.facets.abort(target.hex, new Error("Durable Object reset: a new deployment is active."));
		}
		this.#running.set(target.hex, source.key);
		const ctx = this.ctx;
		const env = this.env;
		return ctx.facets.get(target.hex, () => ({
			class: facetClass(env, ctx, source, this.#budget(target.hex)),
			id: target.hex,
		})) as FacetStub;
	}

	/**
	 * How many bytes the object's database may hold: its own limit, and what the class's limit leaves after the
	 * other objects' last measured sizes. Objects running at the same time can together overshoot the class's
	 * limit by what they write before their next measurement lowers their budgets.
	 */
	#budget(hex: string): number {
		const limits = durableObjectLimits(this.env);
		const others = this.#classBytes() - this.#bytes(hex);
		return Math.max(0, Math.min(limits.objectBytes, limits.classBytes - others));
	}

	/**
	 * After each call through here: hands the object its budget (the guard only ever lowers it) and records the
	 * size it answers. The size comes from the object's isolate (only code there can see a facet's storage).
	 */
	async #measure(hex: string, facet: FacetStub): Promise<void> {
		try {
			const bytes = await rpc(facet, "__shiplogStorage")(this.#budget(hex));
			if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 0) return;
			const total = this.#classBytes() - this.#bytes(hex) + bytes;
			this.ctx.storage.sql.exec("UPDATE facets SET bytes = ?2 WHERE hex = ?1", hex, bytes);
			this.ctx.storage.kv.put(CLASS_BYTES, total);
		} catch (error) {
			console.error(JSON.stringify({ at: "do.measure", hex, error: String(error) }));
		}
	}

	#bytes(hex: string): number {
		const row = this.ctx.storage.sql
			.exec<{ bytes: number }>("SELECT bytes FROM facets WHERE hex = ?1", hex)
			.toArray()[0];
		return row?.bytes ?? 0;
	}

	/** The sum of `facets.bytes`, kept as a running total so that no call scans the index. */
	#classBytes(): number {
		return this.ctx.storage.kv.get<number>(CLASS_BYTES) ?? 0;
	}

	/** Records the object in the index (once), within the class's object limit. */
	#register(target: FacetTarget): void {
		const sql = this.ctx.storage.sql;
		if (this.ctx.storage.kv.get("storage") === undefined) this.ctx.storage.kv.put("storage", target.storage);
		if (sql.exec("SELECT 1 FROM facets WHERE hex = ?1", target.hex).toArray().length > 0) return;
		const limit = maxObjects(this.env);
		if (this.#count() >= limit) {
			throw new BindingError(
				`Durable Object class storage limit reached: at most ${limit} objects per class (SHIPLOG_DO_MAX_OBJECTS_PER_CLASS).`,
			);
		}
		sql.exec("INSERT INTO facets (hex) VALUES (?1)", target.hex);
	}

	#count(): number {
		return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM facets").one().n;
	}

	async #reschedule(): Promise<void> {
		const next = this.ctx.storage.sql
			.exec<{ at: number | null }>("SELECT MIN(alarm_at) AS at FROM facets WHERE alarm_at IS NOT NULL")
			.one().at;
		if (next === null) await this.ctx.storage.deleteAlarm();
		else await this.ctx.storage.setAlarm(next);
	}

	#outcome<T>(target: FacetTarget, run: () => Promise<T>): Promise<Outcome<T>> {
		return outcome(
			() => {
				checkObjectId(target.hex);
				return run();
			},
			"Durable Object call failed: internal error",
			{ at: "do", storage: target.storage, hex: target.hex },
		);
	}
}

function parseTarget(header: string | null): FacetTarget | null {
	try {
		const value = JSON.parse(header ?? "");
		return typeof value?.storage === "string" && typeof value?.hex === "string" ? value : null;
	} catch {
		return null;
	}
}

/** An error thrown by the Worker's own object goes back to its caller, with its class where it is a standard one. */
function asWorkerError(error: unknown): BindingError {
	const name = error instanceof Error && ERROR_KINDS.has(error.name) ? (error.name as BindingErrorKind) : "Error";
	return new BindingError(error instanceof Error ? error.message : String(error), name);
}

export function maxObjects(env: Env): number {
	const raw = (env as { SHIPLOG_DO_MAX_OBJECTS_PER_CLASS?: string }).SHIPLOG_DO_MAX_OBJECTS_PER_CLASS;
	const n = Number(raw);
	return raw !== undefined && raw.trim() !== "" && Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_OBJECTS;
}

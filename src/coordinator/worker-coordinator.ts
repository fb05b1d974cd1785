import { DurableObject } from "cloudflare:workers";
import type { AuditEntry } from "../audit-log/entry";
import type { Deployment } from "../core/model";
import { checkIfMatch, type Preconditions } from "../core/preconditions";
import { isSplit } from "../core/traffic";
import { systemDeps } from "../deps/deps";
import { publishDeployment } from "../edge/edge";
import { healthPolicy } from "../edge/edge-config";
import { autoRollbackCommand } from "../edge/health/auto-rollback";
import { HealthMonitor, type WorkerHealth } from "../edge/health/health-monitor";
import type { TrafficReport } from "../edge/health/health-window";
import { ApiError, type Result } from "../errors/api-error";
import { kickSenders } from "../notifications/emit";
import { deploymentEvent } from "../notifications/events";
import { destroyClassStorage } from "../runtime/do/do-destroy";
import { rollbackPolicy } from "../services/policy";
import { insertAuditEntry } from "../storage/audit-log";
import { insertEvent } from "../storage/events";
import { selectActiveWebhookIds } from "../storage/webhooks";
import { getWorker } from "../storage/workers";
import { CachedLog } from "./cached-log";
import { changeEntry, commandActor } from "./change-record";
import type {
	Change,
	CommandBase,
	ConfigCommand,
	ConfigOutcome,
	Counters,
	DeployCommand,
	RollbackCommand,
	RollbackOutcome,
	UploadCommand,
	UploadOutcome,
	WriterState,
} from "./commands";
import { commitChange, GUARD_FAILURE, StaleCounters, settlePending } from "./commit";
import { LocalState } from "./local-state";
import { planConfig } from "./plan-config";
import { planDeploy } from "./plan-deploy";
import type { PlanLog } from "./plan-log";
import { planRollback } from "./plan-rollback";
import { planUpload } from "./plan-upload";
import { type PruneCommand, pruneVersions } from "./prune";
import { InflightKeys, storedReplay } from "./replay";
import { SerialQueue } from "./serial-queue";

const MAX_ATTEMPTS = 3;

/**
 * The single writer for one managed Worker (one instance per Worker, by name). Every change to the
 * Worker's log and pointer runs here, one at a time (serial-queue.ts): planned against the state it will
 * commit on (plan-*.ts), then committed as one guarded D1 batch (commit.ts). D1 is the queryable log; this
 * object's SQLite holds the counters and any write whose outcome is unknown (local-state.ts).
 */
export class WorkerCoordinator extends DurableObject<Env> {
	private readonly local = new LocalState(this.ctx.storage);
	private readonly log = new CachedLog(() => this.env);
	private readonly queue = new SerialQueue();
	private readonly inflight = new InflightKeys();
	private readonly monitor = new HealthMonitor(healthPolicy(this.env));
	/** Its clock and ids are the system's: what it records carries the time each command brings. */
	private readonly deps = systemDeps;
	private readonly ids = this.deps.ids;

	upload(command: UploadCommand): Promise<Result<UploadOutcome>> {
		// An upload that does not deploy leaves the pointer alone, so If-Match has nothing to guard.
		const pre = command.deploy
			? command.preconditions
			: { ...command.preconditions, if_match: undefined, require_if_match: false };
		const action = command.deploy ? "worker.deploy" : "version.upload";
		return this.change({ ...command, preconditions: pre }, action, (state, log) =>
			planUpload(state, log, command, this.ids),
		);
	}

	deploy(command: DeployCommand): Promise<Result<Deployment>> {
		return this.change(command, "worker.deploy", (state, log) => planDeploy(state, log, command, this.ids));
	}

	changeConfig(command: ConfigCommand): Promise<Result<ConfigOutcome>> {
		const action = { settings: "worker.settings", secret_put: "secret.put", secret_delete: "secret.delete" }[
			command.change.kind
		];
		return this.change(command, action, (state, log) => planConfig(state, log, command, this.ids));
	}

	rollback(command: RollbackCommand): Promise<Result<RollbackOutcome>> {
		return this.change(command, "worker.rollback", (state, log) => planRollback(state, log, command, this.ids));
	}

	/** The counters and pointer as this coordinator holds them (for audits and tests). */
	counters(worker: string): Promise<Counters> {
		return this.queue.run(async () => {
			const { version_count, deployment_count, active_deployment_id } = await this.load(worker);
			return { version_count, deployment_count, active_deployment_id };
		});
	}

	/**
	 * The active deployment, for the edge (one call per request): read without queueing behind changes in
	 * flight, as of the last commit. Health counts from earlier requests ride along (traffic-reporter.ts).
	 */
	activeDeployment(worker: string, reports: TrafficReport[] = []): Promise<Result<Deployment | null>> {
		// Counts are added at once; any automatic rollback they trigger goes on without holding this lookup.
		if (reports.length > 0) void this.recordTraffic(worker, reports);
		return answer("edge.activeDeployment", worker, () => this.edgeActive(worker));
	}

	/**
	 * Counts from the edge; may roll a failing gradual rollout back: the answer is that rollback's (its
	 * deployment, or why it did not land), or null when the counts called for none.
	 */
	async recordTraffic(worker: string, reports: TrafficReport[]): Promise<Result<Deployment | null>> {
		const judged = await answer("edge.recordTraffic", worker, () => this.judgeTraffic(worker, reports));
		if (!judged.ok || judged.value === null) return judged.ok ? { ok: true, value: null } : judged;
		const result = await this.deploy(judged.value);
		if (!result.ok) this.monitor.abandon(judged.value.rollback_from ?? "");
		return result;
	}

	/** Adds the counts, and says which automatic rollback (if any) they call for. */
	private async judgeTraffic(worker: string, reports: TrafficReport[]): Promise<DeployCommand | null> {
		const now = this.deps.clock.now().getTime();
		this.monitor.record(reports, now);
		const active = await this.edgeActive(worker);
		if (!active || !isSplit(active) || !reports.some((r) => r.deployment_id === active.id)) return null;
		const serving = await this.log.versions(
			worker,
			active.versions.map((v) => v.version_id),
		);
		const newest = serving.reduce((a, b) => (b.number > a.number ? b : a)).id;
		const decision = this.monitor.decide(active, newest, now);
		if (!decision || this.local.read()?.active_deployment_id !== active.id) return null;
		return autoRollbackCommand(worker, active, decision, new Date(now).toISOString(), rollbackPolicy(this.env));
	}

	/** Per-version request and error counts over the health window. */
	health(worker: string): Promise<Result<WorkerHealth>> {
		return answer("edge.health", worker, async () =>
			this.monitor.report(worker, await this.edgeActive(worker), this.deps.clock.now().getTime()),
		);
	}

	/**
	 * Retention (SHIPLOG_RETENTION_DAYS): prunes versions that no deployment can need any more (prune.ts), in the
	 * queue like every change, and forgets them here too so that no later change finds them in memory.
	 */
	prune(command: PruneCommand): Promise<Result<{ pruned: number; more: boolean }>> {
		return answer("coordinator.prune", command.worker, () =>
			this.queue.run(async () => {
				const state = await this.load(command.worker);
				try {
					const { pruned, more } = await pruneVersions(this.env.DB, state, command);
					this.log.forget(pruned);
					return { pruned: pruned.length, more };
				} catch (error) {
					if (!GUARD_FAILURE.test(String(error))) throw error;
					// D1 moved on without this coordinator: take D1's counters; the next audit prunes.
					this.local.write({ worker: command.worker, ...(await this.countersFromD1(command.worker)) });
					return { pruned: 0, more: true };
				}
			}),
		);
	}

	/** Alarms finish what an interrupted change left: a write whose outcome was unknown. At least once, so idempotent. */
	override async alarm(): Promise<void> {
		const state = this.local.read();
		if (state) await this.queue.run(() => this.load(state.worker));
	}

	// ---- one change at a time ----

	/**
	 * Runs `plan` after every earlier change has finished, replays an earlier result for a repeated
	 * Idempotency-Key, checks If-Match against the state the change will replace, and commits what `plan`
	 * returns. Errors travel back as data (Result): a rejected RPC call loses its type.
	 */
	private change<T>(
		command: CommandBase,
		action: string,
		plan: (state: WriterState, log: PlanLog) => Promise<Change<T>>,
	): Promise<Result<T>> {
		const pre: Preconditions = command.preconditions ?? {};
		const key = pre.idempotency_key;
		const run = async (): Promise<Result<T>> => {
			this.inflight.claim(key);
			try {
				return await this.queue.run(() => this.attempt(command, action, pre, plan));
			} finally {
				this.inflight.release(key);
			}
		};
		return run().catch((error: unknown): Result<T> => {
			if (error instanceof ApiError) return { ok: false, error: error.toBody() };
			console.error(JSON.stringify({ at: "coordinator", worker: command.worker, error: String(error) }));
			return { ok: false, error: { code: "unavailable", message: "The change could not be completed; retry it." } };
		});
	}

	/**
	 * Every outcome is recorded in the audit log: a change in its own batch, a replay or a change that
	 * changed nothing on its own. Refusals are recorded by the surface that answered them.
	 */
	private async attempt<T>(
		command: CommandBase,
		action: string,
		pre: Preconditions,
		plan: (state: WriterState, log: PlanLog) => Promise<Change<T>>,
	): Promise<Result<T>> {
		let state = await this.load(command.worker);
		for (let attempt = 1; ; attempt++) {
			const replay = await storedReplay<T>(this.env.DB, command.worker, pre, command.at);
			if (replay) {
				await this.record(changeEntry(this.ids.uuid(), command, action, null, "replayed"));
				return { ok: true, value: replay.value, replayed: true };
			}
			checkIfMatch(state.worker, state.active_deployment_id, pre);
			try {
				const change = await plan(state, this.log.view(state));
				if (change.version || change.deployment) await this.commit(state, change, pre, command, action);
				else await this.record(changeEntry(this.ids.uuid(), command, action, change, "unchanged"));
				return { ok: true, value: change.result, replayed: false };
			} catch (error) {
				if (!(error instanceof StaleCounters) || attempt >= MAX_ATTEMPTS) throw error;
				state =
					error.what === "counters"
						? { worker: command.worker, ...(await this.countersFromD1(command.worker)) }
						: await this.load(command.worker);
			}
		}
	}

	/** The change, its audit entry and (for a deployment) its event land in one batch, or none of them do. */
	private async commit<T>(
		state: WriterState,
		change: Change<T>,
		pre: Preconditions,
		command: CommandBase,
		action: string,
	): Promise<void> {
		const db = this.env.DB;
		const records = [insertAuditEntry(db, changeEntry(this.ids.uuid(), command, action, change, "success"))];
		if (change.deployment) {
			const previous = await this.log.view(state).activeDeployment();
			const event = deploymentEvent(change.deployment, previous, commandActor(command));
			records.push(insertEvent(db, this.ids.uuid(), command.at, event));
		}
		// A deployment's event is for the live webhooks: their ids ride in the batch, so the kick needs no read.
		const webhooks = change.deployment ? selectActiveWebhookIds(db) : undefined;
		const { read } = await commitChange<T, { id: string }>(
			db,
			this.local,
			this.setAlarm,
			state,
			change,
			pre,
			command.at,
			records,
			webhooks,
		);
		this.log.committed(change.version, change.deployment);
		await this.destroyDeletedClasses(change);
		if (change.deployment) {
			// Webhook senders deliver on their own time; the change never waits for a receiver. (No ids when the
			// batch's reply was lost: kickSenders reads them.)
			const ids = read?.map((r) => r.id);
			this.ctx.waitUntil(kickSenders(this.env, ids));
			await publishDeployment(this.env, change.deployment);
		}
	}

	/**
	 * A deploy whose migrations deleted Durable Object classes has just become active: their objects' data goes
	 * now, before the deploy is answered. D1 already says the classes are deleted (no call reaches them), so a
	 * failure here only delays the cleanup, which the cron finishes (src/runtime/do/do-destroy.ts).
	 */
	private async destroyDeletedClasses<T>(change: Change<T>): Promise<void> {
		for (const deleted of change.class_changes ?? []) {
			if (deleted.kind !== "delete") continue;
			try {
				await destroyClassStorage(this.env, deleted.storage_id, this.deps.clock.now());
			} catch (error) {
				console.error(JSON.stringify({ at: "do.destroy", storage: deleted.storage_id, error: String(error) }));
			}
		}
	}

	/** Replays and no-op changes changed nothing: one that cannot be recorded is logged, not failed. */
	private async record(entry: AuditEntry): Promise<void> {
		try {
			await insertAuditEntry(this.env.DB, entry).run();
		} catch (error) {
			console.error(JSON.stringify({ at: "coordinator.audit", worker: entry.worker, error: String(error) }));
		}
	}

	// ---- state ----

	private readonly setAlarm = (at: number) => this.ctx.storage.setAlarm(at);

	private async load(worker: string): Promise<WriterState> {
		if (this.local.readPending()) await settlePending(this.env.DB, this.local, this.setAlarm, worker);
		const state = this.local.read();
		if (state && this.local.verified) return state;
		// First use (or storage lost): D1 is the log, so the counters start from it. They are written here only
		// by a commit, so a coordinator that only answered questions or refused a change holds no storage. A new
		// instance checks the counters it holds against D1 once, and adopts D1's when a batch reached D1 after the
		// last state written here (commit.ts writes nothing durable before its batch).
		const d1: WriterState = { worker, ...(await this.countersFromD1(worker)) };
		if (!state) return d1;
		if (!sameCounters(state, d1)) this.local.write(d1);
		this.local.markVerified();
		return d1;
	}

	private async countersFromD1(worker: string): Promise<Counters> {
		const row = await getWorker(this.env.DB, worker);
		return {
			version_count: row?.version_count ?? 0,
			deployment_count: row?.deployment_count ?? 0,
			active_deployment_id: row?.active_deployment_id ?? null,
		};
	}

	/** The pointer as committed here (undefined: this object holds no state yet, so D1's pointer answers). */
	private async edgeActive(worker: string): Promise<Deployment | null> {
		// Once per instance: the pointer held here is checked against D1 first (see load), in the queue.
		if (!this.local.verified && this.local.read()) await this.queue.run(() => this.load(worker));
		return this.log.activeFor(worker, () => {
			const state = this.local.read();
			return state ? state.active_deployment_id : undefined;
		});
	}
}

/** Runs an edge-facing call, turning a failure into a logged `unavailable` (the edge never sees a rejection). */
async function answer<T>(at: string, worker: string, work: () => Promise<T>): Promise<Result<T>> {
	try {
		return { ok: true, value: await work() };
	} catch (error) {
		console.error(JSON.stringify({ at, worker, error: String(error) }));
		return { ok: false, error: { code: "unavailable", message: "The Worker's coordinator could not answer; retry." } };
	}
}

const sameCounters = (a: Counters, b: Counters) =>
	a.version_count === b.version_count &&
	a.deployment_count === b.deployment_count &&
	a.active_deployment_id === b.active_deployment_id;

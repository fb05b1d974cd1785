import { DurableObject } from "cloudflare:workers";
import {
	applyConfigPatch,
	type ConfigChange,
	type ConfigPatch,
	checkSettingsPatch,
	copyWithConfig,
	secretPatch,
} from "../core/config-change";
import type { Author, Deployment, Source, TrafficSplit, TriggeredBy, Version } from "../core/model";
import type { Preconditions } from "../core/preconditions";
import { boundResources, deletedResources } from "../core/resources";
import {
	type RefusalReason,
	type RollbackPolicy,
	rollbackEligibility,
	rollbackPolicy,
} from "../core/rollback-eligibility";
import { checkSplit } from "../core/traffic";
import { carriesMigration, resolveUpload, type VersionDraft } from "../core/version-builder";
import { CoordinatorEdge, type WorkerHealth } from "../edge/coordinator-edge";
import type { TrafficReport } from "../edge/health-window";
import { ApiError, type Result } from "../errors/api-error";
import { loadRollbackFacts } from "../rollback/load-facts";
import { decryptSecret, type SecretValueRecord, secretsKey } from "../secrets/cipher";
import { secretRef, secretRefBinding } from "../secrets/seal-upload";
import { getDeployment, getPreviousFullDeployment, insertDeployment } from "../storage/deployments";
import { findIdempotentResult, storeIdempotentResult } from "../storage/idempotency";
import { getResources, registerOnFirstUse } from "../storage/resources";
import { getSecretValues, insertSecretValue } from "../storage/secret-values";
import { getLatestVersion, getVersionsByIds, insertVersion } from "../storage/versions";
import { advanceWorker, getWorker, guardCounters, releaseGuard } from "../storage/workers";
import { COORDINATOR_SCHEMA } from "./schema";

export interface Counters {
	version_count: number;
	deployment_count: number;
	active_deployment_id: string | null;
}

export interface CoordinatorState extends Counters {
	worker: string;
}

interface PendingWrite {
	version_id: string | null;
	deployment_id: string | null;
	next: Counters;
}

/** What one operation writes (either may be null) and what it answers. */
export interface Change<T> {
	version: Version | null;
	deployment: Deployment | null;
	result: T;
	/** Statements that land in the same guarded batch: secret values, resource registrations. */
	extra?: D1PreparedStatement[];
}

export interface UploadCommand extends Omit<VersionDraft, "triggered_by"> {
	worker: string;
	/** true: the new version is deployed at 100 % in the same step (PUT); false: upload only. */
	deploy: boolean;
	/** Encrypted values the upload's secret_text bindings refer to; stored with the version. */
	secret_values?: SecretValueRecord[];
	preconditions?: Preconditions;
}

/** A change to the active version's configuration: settings, or one secret put or deleted. */
export type ConfigCommandChange =
	| { kind: "settings"; patch: ConfigPatch }
	| { kind: "secret_put"; name: string; value: SecretValueRecord }
	| { kind: "secret_delete"; name: string };

export interface ConfigCommand {
	worker: string;
	author: Author;
	source: Source;
	message: string | null;
	change: ConfigCommandChange;
	/**
	 * false: a new version copied from the latest version with the change, not deployed (Cloudflare's
	 * `versions secret put`). Default true: copied from the active version and deployed at 100 %.
	 */
	deploy?: boolean;
	preconditions?: Preconditions;
}

export interface ConfigOutcome {
	/** false: the request changed nothing, so no version or deployment was made. */
	changed: boolean;
	changes: ConfigChange[];
	version: Version | null;
	deployment: Deployment | null;
	/** The active deployment afterwards: the new one, or the unchanged one. */
	active_deployment_id: string;
}

export interface RollbackCommand {
	worker: string;
	author: Author;
	source: Source;
	message: string | null;
	/** The target: a version, or a deployment that ran one version at 100 %. Neither: the previous such deployment. */
	version_id?: string;
	deployment_id?: string;
	/** Go ahead even though secrets changed since the target (Cloudflare's ?force=true). */
	force: boolean;
	policy: RollbackPolicy;
	preconditions?: Preconditions;
}

export interface RollbackOutcome {
	deployment: Deployment;
	target: Version;
	/** The deployment the rollback replaced (also its rollback_from). */
	replaced: Deployment;
	/** Reasons that applied but that `force` overrode. */
	overridden: RefusalReason[];
}

export interface DeployCommand {
	worker: string;
	author: Author;
	source: Source;
	message: string | null;
	triggered_by: TriggeredBy;
	versions: TrafficSplit[];
	rollback_from?: string | null;
	preconditions?: Preconditions;
	/** A deployment of an older version at 100 % is a rollback and meets the rollback rules: these tune them. */
	force?: boolean;
	policy?: RollbackPolicy;
}

export interface UploadOutcome {
	version: Version;
	deployment: Deployment | null;
}

const GUARD_FAILURE = /NOT NULL constraint failed: write_guard\.ok/;
const VERSION_CACHE_SIZE = 64;
const RECENT_DEPLOYMENTS = 32;
const MAX_ATTEMPTS = 3;
const SETTLE_RETRY_MS = 5_000;

/**
 * The single writer for one managed Worker (one instance per Worker, by name). Every change to the
 * Worker's log and pointer runs here, one at a time, so two deploys, or a deploy and a rollback, never
 * interleave. D1 is the queryable log; this object's SQLite holds the counters and any write whose
 * outcome is unknown, which it settles before doing anything else.
 */
export class WorkerCoordinator extends DurableObject<Env> {
	private tail: Promise<unknown> = Promise.resolve();
	/** Idempotency keys whose first request is still running here. */
	private readonly inflight = new Set<string>();
	/**
	 * Versions read or written here, by id. Version rows are immutable, so a copy can never be stale; it
	 * saves the D1 reads that otherwise dominate a rollback or settings change (see bench/).
	 */
	private readonly versions = new Map<string, Version>();
	/** The latest deployments committed here, contiguous by number and ending at the active one (or empty). */
	private recent: Deployment[] = [];

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.migrate();
	}

	/** Stores a new version and, for a deploy, a deployment of it at 100 %. */
	upload(command: UploadCommand): Promise<Result<UploadOutcome>> {
		// An upload that does not deploy leaves the pointer alone, so If-Match has nothing to guard.
		const preconditions = command.deploy
			? command.preconditions
			: { ...command.preconditions, if_match: undefined, require_if_match: false };
		return this.exclusive(command.worker, preconditions, async (state) => {
			if (!command.deploy && state.deployment_count === 0) {
				throw new ApiError(
					"not_found",
					`Worker ${command.worker} has never been deployed. The first upload must deploy it: PUT /v1/workers/${command.worker}.`,
				);
			}
			if (!command.deploy && carriesMigration(command.metadata.migrations)) {
				throw new ApiError(
					"invalid_request",
					"A version upload cannot carry Durable Object migrations; deploy it with PUT /v1/workers/:name instead.",
					{ reason: "durable_object_migration_in_version_upload" },
				);
			}
			const previous = await this.latestVersion(state);
			const now = new Date().toISOString();
			const version: Version = {
				id: crypto.randomUUID(),
				worker: command.worker,
				number: state.version_count + 1,
				created_on: now,
				...resolveUpload(previous, { ...command, triggered_by: command.deploy ? "upload" : "version_upload" }),
			};
			await this.refuseDeletedResources(version.bindings);
			const deployment: Deployment | null = command.deploy
				? newDeployment(state, command, {
						created_on: now,
						message: version.message,
						triggered_by: "upload",
						rollback_from: null,
						versions: [{ version_id: version.id, percentage: 100 }],
					})
				: null;
			return {
				version,
				deployment,
				result: { version, deployment },
				extra: [
					...(command.secret_values ?? []).map((r) => insertSecretValue(this.env.DB, r)),
					...this.registrations(version),
				],
			};
		});
	}

	/** Creates a deployment of versions that were already uploaded. */
	deploy(command: DeployCommand): Promise<Result<Deployment>> {
		return this.exclusive(command.worker, command.preconditions, async (state) => {
			checkSplit(command.versions);
			const ids = command.versions.map((v) => v.version_id);
			const found = await getVersionsByIds(this.env.DB, command.worker, ids);
			const missing = ids.filter((id) => !found.some((v) => v.id === id));
			if (missing.length > 0) {
				throw new ApiError("not_found", `Worker ${command.worker} has no version ${missing.join(", ")}.`);
			}
			await this.refuseDeletedResources(found.flatMap((v) => v.bindings));
			// However it is asked for (POST /deployments, wrangler rollback, versions deploy), sending all traffic
			// back to a version older than the newest one serving now is a rollback. The rollback rules apply when
			// the target is not serving at all; one already taking part of the traffic is known to run.
			const active = state.active_deployment_id ? await this.activeDeploymentOf(state) : null;
			const target = command.versions.length === 1 && command.versions[0]?.percentage === 100 ? found[0] : undefined;
			let rollbackFrom = command.rollback_from ?? null;
			let triggeredBy = command.triggered_by;
			if (active && target) {
				const serving = await this.versionsById(
					command.worker,
					active.versions.map((v) => v.version_id),
				);
				if (serving.some((v) => v.number > target.number)) {
					if (!serving.some((v) => v.id === target.id)) {
						const policy = command.policy ?? rollbackPolicy(this.env);
						await this.checkRollback(state, active, target, policy, command.force ?? false);
					}
					rollbackFrom ??= active.id;
					if (triggeredBy === "deployment") triggeredBy = "rollback";
				}
			}
			const deployment = newDeployment(state, command, {
				created_on: new Date().toISOString(),
				message: command.message,
				triggered_by: triggeredBy,
				rollback_from: rollbackFrom,
				versions: command.versions,
			});
			return { version: null, deployment, result: deployment };
		});
	}

	/**
	 * Settings and secrets: a new version copied from the active one with the change, deployed at 100 %.
	 * A change that changes nothing makes nothing.
	 */
	changeConfig(command: ConfigCommand): Promise<Result<ConfigOutcome>> {
		return this.exclusive<ConfigOutcome>(command.worker, command.preconditions, async (state) => {
			const deploy = command.deploy !== false;
			const base = deploy ? (await this.activeSingleVersion(state)).version : await this.latestVersionOf(state);
			const { change } = command;
			const extra: D1PreparedStatement[] = [];
			let patch: ConfigPatch;
			if (change.kind === "settings") {
				checkSettingsPatch(base, change.patch);
				patch = change.patch;
			} else if (change.kind === "secret_delete") {
				patch = secretPatch(base, change.name, null);
			} else {
				const current = base.bindings.find((b) => b.name === change.name);
				const ref = current && (await this.sameSecretValue(current, change.value)) ? secretRef(current) : undefined;
				patch = secretPatch(base, change.name, secretRefBinding(change.name, ref ?? change.value.id));
				if (!ref) extra.push(insertSecretValue(this.env.DB, change.value));
			}
			const { config, changes } = applyConfigPatch(base, patch);
			if (changes.length === 0) {
				return {
					version: null,
					deployment: null,
					result: {
						changed: false,
						changes,
						version: null,
						deployment: null,
						active_deployment_id: state.active_deployment_id ?? "",
					},
				};
			}
			const triggered_by: TriggeredBy = change.kind === "settings" ? "settings" : "secret";
			const now = new Date().toISOString();
			const version: Version = {
				id: crypto.randomUUID(),
				worker: command.worker,
				number: state.version_count + 1,
				created_on: now,
				...copyWithConfig(base, config, {
					author: command.author,
					source: command.source,
					message: command.message,
					triggered_by,
				}),
			};
			await this.refuseDeletedResources(version.bindings);
			const deployment = deploy
				? newDeployment(state, command, {
						created_on: now,
						message: command.message,
						triggered_by,
						rollback_from: null,
						versions: [{ version_id: version.id, percentage: 100 }],
					})
				: null;
			return {
				version,
				deployment,
				result: {
					changed: true,
					changes,
					version,
					deployment,
					active_deployment_id: deployment?.id ?? state.active_deployment_id ?? "",
				},
				extra: [...extra, ...this.registrations(version)],
			};
		});
	}

	/**
	 * Deploys an earlier version at 100 %. Eligibility is decided here, inside the queue, against the
	 * state this commit lands on, so no deploy can slip in between the check and the rollback.
	 */
	rollback(command: RollbackCommand): Promise<Result<RollbackOutcome>> {
		return this.exclusive<RollbackOutcome>(command.worker, command.preconditions, async (state) => {
			const active = await this.activeDeploymentOf(state);
			const target = await this.rollbackTarget(command, active);
			const overridden = await this.checkRollback(state, active, target, command.policy, command.force);
			const deployment = newDeployment(state, command, {
				created_on: new Date().toISOString(),
				message: command.message,
				triggered_by: "rollback",
				rollback_from: active.id,
				versions: [{ version_id: target.id, percentage: 100 }],
			});
			return {
				version: null,
				deployment,
				result: { deployment, target, replaced: active, overridden },
			};
		});
	}

	/** The counters and pointer as this coordinator holds them (for audits and tests). */
	async counters(worker: string): Promise<Counters> {
		return this.queue(async () => {
			const { version_count, deployment_count, active_deployment_id } = await this.load(worker);
			return { version_count, deployment_count, active_deployment_id };
		});
	}

	// ---- the edge (src/edge): the pointer as traffic sees it, and traffic health ----

	private readonly edge = new CoordinatorEdge(
		this.env,
		() => this.readState()?.active_deployment_id,
		(command) => this.deploy(command),
	);

	/** The active deployment, read without queueing behind changes in flight (one per edge request). */
	activeDeployment(worker: string, reports: TrafficReport[] = []): Promise<Result<Deployment | null>> {
		// Counts are added at once; any automatic rollback they trigger goes on without holding this lookup.
		if (reports.length > 0) void this.edge.recordTraffic(worker, reports);
		return this.edge.activeDeployment(worker);
	}

	/** Counts from the edge; may roll a failing gradual rollout back (returns that deployment). */
	recordTraffic(worker: string, reports: TrafficReport[]): Promise<Result<Deployment | null>> {
		return this.edge.recordTraffic(worker, reports);
	}

	/** Per-version request and error counts over the health window. */
	health(worker: string): Promise<Result<WorkerHealth>> {
		return this.edge.health(worker);
	}

	/** Alarms finish what an interrupted change left: a write whose outcome was unknown. At least once, so idempotent. */
	override async alarm(): Promise<void> {
		const state = this.readState();
		if (state) await this.queue(() => this.load(state.worker));
	}

	// ---- helpers for changes ----

	private async activeDeploymentOf(state: CoordinatorState): Promise<Deployment> {
		if (!state.active_deployment_id) {
			throw new ApiError("not_found", `Worker ${state.worker} has never been deployed.`);
		}
		const active =
			this.edge.held(state.active_deployment_id) ??
			(await getDeployment(this.env.DB, state.worker, state.active_deployment_id));
		if (!active) throw new Error(`active deployment ${state.active_deployment_id} of ${state.worker} is not in D1`);
		return active;
	}

	private async activeSingleVersion(state: CoordinatorState): Promise<{ deployment: Deployment; version: Version }> {
		const deployment = await this.activeDeploymentOf(state);
		const only = deployment.versions.length === 1 ? deployment.versions[0] : undefined;
		if (!only) {
			throw new ApiError(
				"conflict",
				`The active deployment of ${state.worker} splits traffic between two versions, so there is no one version to change. Deploy one version at 100 % (or roll back) first.`,
				{ reason: "active_deployment_split" },
			);
		}
		const [version] = await this.versionsById(state.worker, [only.version_id]);
		if (!version) throw new Error(`version ${only.version_id} of ${state.worker} is not in D1`);
		return { deployment, version };
	}

	private async latestVersionOf(state: CoordinatorState): Promise<Version> {
		const version = await getLatestVersion(this.env.DB, state.worker);
		if (!version) {
			throw new ApiError("not_found", `Worker ${state.worker} has no versions yet.`, { reason: "no_versions" });
		}
		return version;
	}

	private async rollbackTarget(command: RollbackCommand, active: Deployment): Promise<Version> {
		const db = this.env.DB;
		let versionId = command.version_id;
		if (!versionId && command.deployment_id) {
			const deployment = await getDeployment(db, command.worker, command.deployment_id);
			if (!deployment) {
				throw new ApiError("not_found", `Worker ${command.worker} has no deployment ${command.deployment_id}.`);
			}
			const only = deployment.versions.length === 1 ? deployment.versions[0] : undefined;
			if (!only) {
				throw new ApiError(
					"invalid_request",
					`Deployment ${deployment.id} split traffic between two versions; name the one to roll back to with version_id.`,
				);
			}
			versionId = only.version_id;
		}
		if (!versionId) {
			const serving = active.versions.length === 1 ? (active.versions[0]?.version_id ?? null) : null;
			const previous =
				this.previousFullFromMemory(active.number, serving) ??
				(await getPreviousFullDeployment(db, command.worker, active.number, serving));
			versionId = previous?.versions[0]?.version_id;
			if (!versionId) {
				throw new ApiError(
					"not_found",
					`Worker ${command.worker} has no earlier deployment that ran another version at 100 %; name the target with version_id.`,
				);
			}
		}
		const [version] = await this.versionsById(command.worker, [versionId]);
		if (!version) throw new ApiError("not_found", `Worker ${command.worker} has no version ${versionId}.`);
		return version;
	}

	/** Refuses a rollback the rules forbid, with every reason; returns the reasons `force` overrode. */
	private async checkRollback(
		state: CoordinatorState,
		active: Deployment,
		target: Version,
		policy: RollbackPolicy,
		force: boolean,
	): Promise<RefusalReason[]> {
		const activeVersions = await this.versionsById(
			state.worker,
			active.versions.map((v) => v.version_id),
		);
		const facts = await loadRollbackFacts(this.env.DB, state.worker, active, state.version_count, [target], {
			active_versions: activeVersions,
			versions: this.versionsOf(state.worker),
		});
		const verdict = rollbackEligibility(target, facts, policy, force);
		if (!verdict.eligible) {
			throw new ApiError(
				"rule_refused",
				`Rollback of ${state.worker} to version ${target.number} refused: ${verdict.reasons.map((r) => r.message).join(" ")}`,
				{ target_version_id: target.id, target_version_number: target.number, reasons: verdict.reasons },
			);
		}
		return verdict.reasons;
	}

	/** Versions by id, from memory where this object has seen them; in the order asked, missing ones left out. */
	private async versionsById(worker: string, ids: string[]): Promise<Version[]> {
		const missing = ids.filter((id) => !this.versions.has(id));
		if (missing.length > 0) {
			for (const version of await getVersionsByIds(this.env.DB, worker, missing)) this.remember(version);
		}
		return ids.flatMap((id) => {
			const version = this.versions.get(id);
			return version && version.worker === worker ? [version] : [];
		});
	}

	/** The Worker's newest version (the one numbered version_count), from memory when this object wrote it. */
	private async latestVersion(state: CoordinatorState): Promise<Version | null> {
		if (state.version_count === 0) return null;
		for (const version of this.versions.values()) {
			if (version.worker === state.worker && version.number === state.version_count) return version;
		}
		const latest = await getLatestVersion(this.env.DB, state.worker);
		if (latest) this.remember(latest);
		return latest;
	}

	/**
	 * getPreviousFullDeployment answered from the deployments this object committed, when they reach far
	 * enough back without a gap; undefined when they do not (then D1 answers).
	 */
	private previousFullFromMemory(beforeNumber: number, excludeVersionId: string | null): Deployment | undefined {
		let expected = beforeNumber - 1;
		for (let i = this.recent.length - 1; i >= 0; i--) {
			const d = this.recent[i];
			if (!d || d.number > expected) continue;
			if (d.number !== expected) return undefined;
			const only = d.versions.length === 1 ? d.versions[0] : undefined;
			if (only && only.percentage === 100 && only.version_id !== excludeVersionId) return d;
			expected -= 1;
		}
		return undefined;
	}

	private versionsOf(worker: string): Version[] {
		return [...this.versions.values()].filter((v) => v.worker === worker);
	}

	private remember(version: Version): void {
		this.versions.delete(version.id);
		this.versions.set(version.id, version);
		if (this.versions.size > VERSION_CACHE_SIZE) this.versions.delete(this.versions.keys().next().value as string);
	}

	/** A deploy that binds a resource the registry says was deleted is refused before anything is written. */
	private async refuseDeletedResources(bindings: Version["bindings"]): Promise<void> {
		const gone = deletedResources(bindings, await getResources(this.env.DB, boundResources(bindings)));
		if (gone.length === 0) return;
		const message = `These bindings point at resources that were deleted: ${gone.map((g) => `${g.binding} (${g.type} ${g.id})`).join(", ")}. Remove or repoint them, or register the resource again with POST /v1/resources if it exists.`;
		throw new ApiError("rule_refused", message, {
			reasons: [{ code: "resource_deleted", message, overridable: false, details: { resources: gone } }],
		});
	}

	/** First use of a bound resource registers it, in the same batch as the version that binds it. */
	private registrations(version: Version): D1PreparedStatement[] {
		return boundResources(version.bindings).map((r) =>
			registerOnFirstUse(this.env.DB, r, `worker:${version.worker}`, version.created_on),
		);
	}

	/** A secret put with the value it already has is no change; comparing needs both values decrypted. */
	private async sameSecretValue(current: Version["bindings"][number], incoming: SecretValueRecord): Promise<boolean> {
		const ref = secretRef(current);
		if (!ref) return false;
		const [row] = await getSecretValues(this.env.DB, incoming.worker, [ref]);
		if (!row) return false;
		const key = await secretsKey(this.env);
		const [a, b] = await Promise.all([decryptSecret(key, row), decryptSecret(key, incoming)]);
		return a === b;
	}

	// ---- one change at a time ----

	/**
	 * Runs `plan` after every earlier change has finished, checks the client's preconditions against the
	 * state it will change, and commits what `plan` returns. Awaiting D1 lets other calls into the object,
	 * so this queue, not the input gate, is what keeps changes from interleaving.
	 */
	protected exclusive<T>(
		worker: string,
		preconditions: Preconditions | undefined,
		plan: (state: CoordinatorState) => Promise<Change<T>>,
	): Promise<Result<T>> {
		const pre = preconditions ?? {};
		const key = pre.idempotency_key;
		if (key !== undefined && this.inflight.has(key)) {
			return Promise.resolve({
				ok: false,
				error: {
					code: "conflict",
					message: `A request with Idempotency-Key ${key} is still running; retry when it has finished.`,
				},
			});
		}
		if (key !== undefined) this.inflight.add(key);
		return this.queue(async (): Promise<{ value: T; replayed: boolean }> => {
			for (let attempt = 1; ; attempt++) {
				const state = await this.load(worker);
				if (key !== undefined) {
					const stored = await findIdempotentResult(this.env.DB, worker, key, new Date());
					if (stored) {
						if (stored.fingerprint !== (pre.fingerprint ?? "")) {
							throw new ApiError(
								"idempotency_key_reused",
								`Idempotency-Key ${key} was already used for a different request; use a new key for a new request.`,
							);
						}
						return { value: stored.result as T, replayed: true };
					}
				}
				checkIfMatch(state, pre);
				try {
					const change = await plan(state);
					if (change.version || change.deployment) await this.commit(state, change, pre);
					return { value: change.result, replayed: false };
				} catch (error) {
					if (error instanceof StaleCounters && attempt < MAX_ATTEMPTS) {
						this.resync(await this.countersFromD1(worker), worker);
						continue;
					}
					throw error;
				}
			}
		})
			.then(
				({ value, replayed }): Result<T> => ({ ok: true, value, replayed }),
				(error: unknown): Result<T> => {
					if (error instanceof ApiError) return { ok: false, error: error.toBody() };
					console.error(JSON.stringify({ at: "coordinator", worker, error: String(error) }));
					return { ok: false, error: { code: "unavailable", message: "The change could not be completed; retry it." } };
				},
			)
			.finally(() => {
				if (key !== undefined) this.inflight.delete(key);
			});
	}

	private queue<T>(work: () => Promise<T>): Promise<T> {
		const run = this.tail.then(work, work);
		this.tail = run.catch(() => undefined);
		return run;
	}

	// ---- committing a change ----

	private async commit<T>(state: CoordinatorState, change: Change<T>, pre: Preconditions): Promise<void> {
		const { version, deployment } = change;
		const next: Counters = {
			version_count: version ? version.number : state.version_count,
			deployment_count: deployment ? deployment.number : state.deployment_count,
			active_deployment_id: deployment ? deployment.id : state.active_deployment_id,
		};
		const db = this.env.DB;
		const now = version?.created_on ?? deployment?.created_on ?? new Date().toISOString();
		// The workers row goes first: versions and deployments reference it.
		const statements = [guardCounters(db, state.worker, state), advanceWorker(db, { name: state.worker, now, next })];
		if (version) statements.push(insertVersion(db, version));
		if (deployment) statements.push(insertDeployment(db, deployment));
		statements.push(...(change.extra ?? []));
		if (pre.idempotency_key !== undefined) {
			statements.push(
				storeIdempotentResult(db, {
					worker: state.worker,
					key: pre.idempotency_key,
					fingerprint: pre.fingerprint ?? "",
					result: change.result,
					now,
				}),
			);
		}
		statements.push(releaseGuard(db));

		this.writePending({ version_id: version?.id ?? null, deployment_id: deployment?.id ?? null, next });
		try {
			await db.batch(statements);
		} catch (error) {
			if (GUARD_FAILURE.test(String(error))) {
				this.clearPending();
				throw new StaleCounters();
			}
			console.error(JSON.stringify({ at: "coordinator.commit", worker: state.worker, error: String(error) }));
			// The batch may or may not have landed: settle it now (or leave it to the alarm). If it landed, the
			// change happened and the client is told so.
			const landed = await this.settlePending(state.worker).catch(() => false);
			if (landed) return;
			throw new ApiError(
				"unavailable",
				"Storage did not confirm the change; retry it (with the same Idempotency-Key).",
			);
		}
		this.ctx.storage.transactionSync(() => {
			this.writeState({ worker: state.worker, ...next });
			this.clearPending();
		});
		if (version) this.remember(version);
		if (deployment) {
			// Only a run without gaps is kept, so that "not in memory" can never be mistaken for "not in the log".
			const last = this.recent.at(-1);
			this.recent = last?.number === deployment.number - 1 ? [...this.recent, deployment] : [deployment];
			if (this.recent.length > RECENT_DEPLOYMENTS) this.recent.shift();
			await this.edge.pointerMoved(deployment);
		}
	}

	/** Finds out whether a write whose outcome was unknown reached D1, and adopts or drops it. */
	private async settlePending(worker: string): Promise<boolean> {
		const pending = this.readPending();
		if (!pending) return false;
		try {
			const id = pending.deployment_id ?? pending.version_id;
			const table = pending.deployment_id ? "deployments" : "versions";
			const landed = await this.env.DB.prepare(`SELECT 1 AS found FROM ${table} WHERE id = ?1`).bind(id).first();
			this.ctx.storage.transactionSync(() => {
				if (landed) this.writeState({ worker, ...pending.next });
				this.clearPending();
			});
			return landed !== null;
		} catch (error) {
			await this.ctx.storage.setAlarm(Date.now() + SETTLE_RETRY_MS);
			throw new ApiError("unavailable", "Storage is not answering; retry shortly.", { cause: String(error) });
		}
	}

	// ---- state ----

	private async load(worker: string): Promise<CoordinatorState> {
		if (this.readPending()) await this.settlePending(worker);
		const state = this.readState();
		if (state) return state;
		// First use (or storage lost): D1 is the log, so the counters start from it.
		return this.resync(await this.countersFromD1(worker), worker);
	}

	private async countersFromD1(worker: string): Promise<Counters> {
		const row = await getWorker(this.env.DB, worker);
		return {
			version_count: row?.version_count ?? 0,
			deployment_count: row?.deployment_count ?? 0,
			active_deployment_id: row?.active_deployment_id ?? null,
		};
	}

	private resync(counters: Counters, worker: string): CoordinatorState {
		const state = { worker, ...counters };
		this.writeState(state);
		return state;
	}

	private migrate(): void {
		const sql = this.ctx.storage.sql;
		sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
		const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
		const current = row?.version ?? 0;
		if (current >= COORDINATOR_SCHEMA.length) return;
		this.ctx.storage.transactionSync(() => {
			for (const statement of COORDINATOR_SCHEMA.slice(current)) sql.exec(statement);
			sql.exec("DELETE FROM schema_version");
			sql.exec("INSERT INTO schema_version (version) VALUES (?)", COORDINATOR_SCHEMA.length);
		});
	}

	private readState(): CoordinatorState | null {
		return (
			this.ctx.storage.sql
				.exec<{ worker: string; version_count: number; deployment_count: number; active_deployment_id: string | null }>(
					"SELECT worker, version_count, deployment_count, active_deployment_id FROM state WHERE id = 1",
				)
				.toArray()[0] ?? null
		);
	}

	private writeState(state: CoordinatorState): void {
		this.ctx.storage.sql.exec(
			`INSERT INTO state (id, worker, version_count, deployment_count, active_deployment_id) VALUES (1, ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET worker = excluded.worker, version_count = excluded.version_count,
			   deployment_count = excluded.deployment_count, active_deployment_id = excluded.active_deployment_id`,
			state.worker,
			state.version_count,
			state.deployment_count,
			state.active_deployment_id,
		);
	}

	private readPending(): PendingWrite | null {
		const row = this.ctx.storage.sql.exec<{ write: string }>("SELECT write FROM pending WHERE id = 1").toArray()[0];
		return row ? (JSON.parse(row.write) as PendingWrite) : null;
	}

	private writePending(write: PendingWrite): void {
		this.ctx.storage.sql.exec(
			"INSERT OR REPLACE INTO pending (id, write, created_on) VALUES (1, ?, ?)",
			JSON.stringify(write),
			new Date().toISOString(),
		);
	}

	private clearPending(): void {
		this.ctx.storage.sql.exec("DELETE FROM pending");
	}
}

/** A deployment that takes the next number; who made it and from where come from the command. */
function newDeployment(
	state: CoordinatorState,
	by: { worker: string; author: Author; source: Source },
	fields: Pick<Deployment, "created_on" | "message" | "triggered_by" | "rollback_from" | "versions">,
): Deployment {
	return {
		id: crypto.randomUUID(),
		worker: by.worker,
		number: state.deployment_count + 1,
		created_on: fields.created_on,
		author: by.author,
		source: by.source,
		message: fields.message,
		triggered_by: fields.triggered_by,
		rollback_from: fields.rollback_from,
		strategy: "percentage",
		versions: fields.versions,
	};
}

/** `If-Match` names the deployment the client expects to replace; anything else moved under it. */
function checkIfMatch(state: CoordinatorState, pre: Preconditions): void {
	const ifMatch = pre.if_match;
	if (ifMatch === undefined) {
		if (pre.require_if_match && state.active_deployment_id !== null) {
			throw new ApiError(
				"precondition_required",
				`This shiplog requires If-Match on changes: send If-Match: "${state.active_deployment_id}" (the active deployment's ETag) to replace it.`,
				{ active_deployment_id: state.active_deployment_id },
			);
		}
		return;
	}
	const active = state.active_deployment_id;
	if (ifMatch === "*" ? active !== null : ifMatch === active) return;
	throw new ApiError(
		"precondition_failed",
		active
			? `The active deployment is now ${active}, not ${ifMatch}; look at what changed and retry with If-Match: "${active}".`
			: `Worker ${state.worker} has no active deployment, so If-Match: ${ifMatch} cannot hold.`,
		{ active_deployment_id: active },
	);
}

class StaleCounters extends Error {
	constructor() {
		super("D1 moved on since this coordinator last wrote");
	}
}

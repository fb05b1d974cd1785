import { type Binding, boundResources } from "../core/bindings";
import type { Deployment, Version } from "../core/model";
import type { RollbackFacts } from "../core/rollback-eligibility";
import { soleVersion } from "../core/traffic";
import { decryptSecret, type SecretValueRecord, UnopenableSecret } from "../secrets/cipher";
import { keyRing } from "../secrets/key-ring";
import { secretRef } from "../secrets/seal-upload";
import { getActiveDeployment, getDeployment, getPreviousFullDeployment } from "../storage/deployments";
import { getLiveClasses } from "../storage/do-classes";
import { getResources } from "../storage/resources";
import { loadRollbackFacts } from "../storage/rollback-facts";
import { getSecretValues } from "../storage/secret-values";
import { getLatestVersion, getVersionsByIds } from "../storage/versions";
import type { WriterState } from "./commands";
import type { PlanLog } from "./plan-log";

const VERSION_CACHE_SIZE = 64;
const RECENT_DEPLOYMENTS = 32;

/**
 * The coordinator's memory of its Worker's log. Versions and deployments are immutable, so a copy can
 * never be stale; keeping the ones this object read or wrote saves the D1 reads that otherwise dominate
 * a rollback or a settings change (see bench/). Only the pointer decides which deployment is active.
 */
export class CachedLog {
	private readonly versionsById = new Map<string, Version>();
	/** The latest deployments committed here, contiguous by number and ending at the active one (or empty). */
	private recent: Deployment[] = [];
	/** The active deployment as the edge last saw it. */
	private active: Deployment | null = null;

	constructor(
		/** Read at each use: tests swap the coordinator's D1 for a faulty one. */
		private readonly env: () => Pick<Env, "DB" | "SHIPLOG_SECRETS_KEY">,
	) {}

	/** The log as planning sees it for `state`. */
	view(state: WriterState): PlanLog {
		const db = () => this.env().DB;
		return {
			versions: (ids) => this.versions(state.worker, ids),
			latestVersion: () => this.latestVersion(state),
			activeDeployment: async () => {
				if (!state.active_deployment_id) return null;
				const active =
					this.held(state.active_deployment_id) ?? (await this.deployment(state.worker, state.active_deployment_id));
				if (!active) throw new Error(`active deployment ${state.active_deployment_id} of ${state.worker} is not in D1`);
				return active;
			},
			deployment: (id) => this.deployment(state.worker, id),
			previousFullDeployment: async (before, exclude) =>
				this.previousFullFromMemory(before, exclude) ??
				(await getPreviousFullDeployment(db(), state.worker, before, exclude)),
			rollbackFacts: (active, activeVersions, targets) => this.rollbackFacts(state, active, activeVersions, targets),
			resourceStates: (bindings: Binding[]) => getResources(db(), boundResources(bindings)),
			durableObjectClasses: () => getLiveClasses(db(), state.worker),
			sameSecretValue: (current, incoming) => this.sameSecretValue(current, incoming),
		};
	}

	/** After a commit: what it wrote is now the newest part of the log. */
	committed(version: Version | null, deployment: Deployment | null): void {
		if (version) this.remember(version);
		if (!deployment) return;
		// Only a run without gaps is kept, so that "not in memory" can never be mistaken for "not in the log".
		const last = this.recent.at(-1);
		this.recent = last?.number === deployment.number - 1 ? [...this.recent, deployment] : [deployment];
		if (this.recent.length > RECENT_DEPLOYMENTS) this.recent.shift();
		this.active = deployment;
	}

	/**
	 * The active deployment for the edge. `pointer` is the committed pointer: a deployment id, null before
	 * the first deployment, undefined when this object holds no state (D1's pointer is then the answer).
	 */
	async activeFor(worker: string, pointer: () => string | null | undefined): Promise<Deployment | null> {
		const id = pointer();
		if (id === null) return null;
		if (this.active && (id === undefined || this.active.id === id)) return this.active;
		const db = this.env().DB;
		const read = id === undefined ? await getActiveDeployment(db, worker) : await getDeployment(db, worker, id);
		if (read && pointer() === id) this.active = read;
		return read;
	}

	/** Versions by id, from memory where this object has seen them; in the order asked, missing ones left out. */
	async versions(worker: string, ids: string[]): Promise<Version[]> {
		const missing = ids.filter((id) => !this.versionsById.has(id));
		if (missing.length > 0) {
			for (const version of await getVersionsByIds(this.env().DB, worker, missing)) this.remember(version);
		}
		return ids.flatMap((id) => {
			const version = this.versionsById.get(id);
			return version && version.worker === worker ? [version] : [];
		});
	}

	/** Versions that retention pruned: gone from the log, so no plan may find them here either. */
	forget(ids: string[]): void {
		for (const id of ids) this.versionsById.delete(id);
	}

	private held(id: string): Deployment | null {
		if (this.active?.id === id) return this.active;
		return this.recent.find((d) => d.id === id) ?? null;
	}

	private async deployment(worker: string, id: string): Promise<Deployment | null> {
		return this.held(id) ?? (await getDeployment(this.env().DB, worker, id));
	}

	/** The Worker's newest version (the one numbered version_count), from memory when this object wrote it. */
	private async latestVersion(state: WriterState): Promise<Version | null> {
		if (state.version_count === 0) return null;
		for (const version of this.versionsById.values()) {
			if (version.worker === state.worker && version.number === state.version_count) return version;
		}
		const latest = await getLatestVersion(this.env().DB, state.worker);
		if (latest) this.remember(latest);
		return latest;
	}

	/**
	 * getPreviousFullDeployment answered from the deployments this object committed, when they reach far
	 * enough back without a gap; undefined when they do not (then D1 answers).
	 */
	private previousFullFromMemory(before: number, exclude: string | null): Deployment | undefined {
		let expected = before - 1;
		for (let i = this.recent.length - 1; i >= 0; i--) {
			const d = this.recent[i];
			if (!d || d.number > expected) continue;
			if (d.number !== expected) return undefined;
			const only = soleVersion(d);
			if (only && only !== exclude) return d;
			expected -= 1;
		}
		return undefined;
	}

	private rollbackFacts(
		state: WriterState,
		active: Deployment,
		activeVersions: Version[],
		targets: Version[],
	): Promise<RollbackFacts> {
		const held = [...this.versionsById.values()].filter((v) => v.worker === state.worker);
		return loadRollbackFacts(this.env().DB, state.worker, active, state.version_count, targets, {
			active_versions: activeVersions,
			versions: held,
		});
	}

	/**
	 * A secret put with the value it already has is no change; comparing needs both values decrypted. A
	 * value no configured key opens any more is treated as changed, so the put replaces it.
	 */
	private async sameSecretValue(current: Binding, incoming: SecretValueRecord): Promise<boolean> {
		const ref = secretRef(current);
		if (!ref) return false;
		const [row] = await getSecretValues(this.env().DB, incoming.worker, [ref]);
		if (!row) return false;
		const ring = await keyRing(this.env());
		try {
			const [a, b] = await Promise.all([decryptSecret(ring, row), decryptSecret(ring, incoming)]);
			return a === b;
		} catch (error) {
			if (error instanceof UnopenableSecret) return false;
			throw error;
		}
	}

	private remember(version: Version): void {
		this.versionsById.delete(version.id);
		this.versionsById.set(version.id, version);
		if (this.versionsById.size > VERSION_CACHE_SIZE) {
			this.versionsById.delete(this.versionsById.keys().next().value as string);
		}
	}
}

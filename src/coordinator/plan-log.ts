import type { Binding } from "../core/bindings";
import type { LiveClass } from "../core/do-classes";
import type { Deployment, Version } from "../core/model";
import type { RollbackFacts } from "../core/rollback-eligibility";
import type { TargetLookup } from "../core/rollback-target";
import type { SecretValueRecord } from "../secrets/cipher";

/**
 * What planning a change reads from the Worker's log, as of the state the change will commit on. The
 * coordinator answers from memory where it can (cached-log.ts); tests can hand plans a log of their own.
 */
export interface PlanLog extends TargetLookup {
	/** Versions by id, in the order asked; ids the log does not have are left out. */
	versions(ids: string[]): Promise<Version[]>;
	/** The newest version, or null before the first upload. */
	latestVersion(): Promise<Version | null>;
	/** The active deployment, or null before the first deploy. */
	activeDeployment(): Promise<Deployment | null>;
	/** What rollbackEligibility judges `targets` on, against the active deployment. */
	rollbackFacts(active: Deployment, activeVersions: Version[], targets: Version[]): Promise<RollbackFacts>;
	/** The registry's record of the resources these bindings point at, keyed `type:id`. */
	resourceStates(bindings: Binding[]): Promise<Map<string, { deleted_on: string | null }>>;
	/** Whether a secret binding already holds the value of `incoming` (a put of it would change nothing). */
	/** The Worker's live Durable Object classes (those with storage). */
	durableObjectClasses(): Promise<LiveClass[]>;
	sameSecretValue(current: Binding, incoming: SecretValueRecord): Promise<boolean>;
}

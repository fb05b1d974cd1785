import type { AuditActor } from "../audit-log/entry";
import type { Binding } from "../core/bindings";
import type { ConfigChange, ConfigPatch } from "../core/config-change";
import type { ClassChange } from "../core/do-classes";
import type { Author, Deployment, Source, TrafficSplit, TriggeredBy, Version } from "../core/model";
import type { Preconditions } from "../core/preconditions";
import type { RefusalReason, RollbackPolicy } from "../core/rollback-eligibility";
import type { RollbackTargetSpec } from "../core/rollback-target";
import type { VersionDraft } from "../core/version-builder";
import type { SecretValueRecord } from "../secrets/cipher";

/** What every change sent to a Worker's coordinator carries: who, through what, when, and on what conditions. */
export interface CommandBase {
	worker: string;
	author: Author;
	source: Source;
	/** When the change was asked for (ISO 8601), from the caller's clock: what the log records as created_on. */
	at: string;
	preconditions?: Preconditions;
	/** Who asked and through what, for the audit entry written with the change (absent: derived from author). */
	audit?: AuditActor;
}

export interface UploadCommand extends CommandBase, Omit<VersionDraft, "triggered_by" | "author" | "source"> {
	/** true: the new version is deployed at 100 % in the same step (PUT); false: upload only. */
	deploy: boolean;
	/** Encrypted values the upload's secret bindings refer to; stored with the version. */
	secret_values: SecretValueRecord[];
}

export interface UploadOutcome {
	version: Version;
	deployment: Deployment | null;
}

export interface DeployCommand extends CommandBase {
	message: string | null;
	triggered_by: TriggeredBy;
	versions: TrafficSplit[];
	rollback_from?: string | null;
	/** A deployment of an older version at 100 % is a rollback and meets the rollback rules: these tune them. */
	force: boolean;
	policy: RollbackPolicy;
	/**
	 * The caller may roll back but not deploy: the deployment is made only if it is a rollback (all traffic
	 * back to an older version), judged against the state it commits on.
	 */
	rollback_only?: boolean;
}

/** A change to the active version's configuration: settings, or one secret put or deleted. */
export type ConfigCommandChange =
	| { kind: "settings"; patch: ConfigPatch }
	| { kind: "secret_put"; name: string; value: SecretValueRecord }
	| { kind: "secret_delete"; name: string };

export interface ConfigCommand extends CommandBase {
	message: string | null;
	change: ConfigCommandChange;
	/**
	 * false: a new version copied from the latest version with the change, not deployed (Cloudflare's
	 * `versions secret put`). true: copied from the active version and deployed at 100 %.
	 */
	deploy: boolean;
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

export interface RollbackCommand extends CommandBase, RollbackTargetSpec {
	message: string | null;
	/** Go ahead even though secrets changed since the target (Cloudflare's ?force=true). */
	force: boolean;
	policy: RollbackPolicy;
}

export interface RollbackOutcome {
	deployment: Deployment;
	target: Version;
	/** The deployment the rollback replaced (also its rollback_from). */
	replaced: Deployment;
	/** Reasons that applied but that `force` overrode. */
	overridden: RefusalReason[];
}

/** The counters and pointer a coordinator holds for its Worker. */
export interface Counters {
	version_count: number;
	deployment_count: number;
	active_deployment_id: string | null;
}

export interface WriterState extends Counters {
	worker: string;
}

/** What planning an operation decides: the rows to write (either may be null) and the answer. */
export interface Change<T> {
	version: Version | null;
	deployment: Deployment | null;
	result: T;
	/** Encrypted secret values the new version is the first to name; written in the same batch. */
	secret_values?: SecretValueRecord[];
	/** The bindings the change's version and deployment serve: their resources must still exist at commit. */
	serves?: Binding[];
	/** Durable Object class changes a deploy's migrations make (src/core/do-classes.ts); in the same batch. */
	class_changes?: ClassChange[];
}

import { isSecretBinding } from "./bindings";
import { canonicalJson } from "./canonical";
import { carriesMigration } from "./metadata";
import type { Deployment, Version } from "./model";
import { type DeletedResource, deletedResources, describeDeleted } from "./resources";

/** What a deployment may roll back to, from configuration (see rollbackPolicy). */
export interface RollbackPolicy {
	/** Only the latest `window` versions are rollback targets (the spec says 10; Cloudflare now allows 100). */
	window: number;
	/** The spec refuses rollbacks to versions that bind D1; Cloudflare has since lifted that. */
	allow_d1: boolean;
}

export const DEFAULT_ROLLBACK_WINDOW = 10;
export const MAX_ROLLBACK_WINDOW = 1000;

export const REFUSAL_CODES = [
	"already_active",
	"outside_window",
	"durable_object_migration",
	"resource_deleted",
	"d1_binding",
	"secrets_changed",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface RefusalReason {
	code: RefusalCode;
	message: string;
	/** True when `force` lets the rollback go ahead anyway (only for changed secrets, as Cloudflare does). */
	overridable: boolean;
	details?: RefusalDetails;
}

/** Typed rather than a loose record so it crosses the coordinator's RPC boundary intact. */
export interface RefusalDetails {
	window?: number;
	oldest_allowed_number?: number;
	target_number?: number;
	target_tag?: string | null;
	active_tags?: (string | null)[];
	versions?: number[];
	resources?: DeletedResource[];
	bindings?: string[];
	secrets?: string[];
}

/** A version's place in the Durable Object migration history. */
export interface MigrationMark {
	number: number;
	migration_tag: string | null;
	/** The version's deploy applied Durable Object migrations (class changes or a new tag). */
	migrated: boolean;
}

export function migrationMark(v: Pick<Version, "number" | "migration_tag" | "migrations">): MigrationMark {
	const m = v.migrations;
	return {
		number: v.number,
		migration_tag: v.migration_tag,
		migrated: carriesMigration(m) || Boolean(m?.new_tag ?? m?.tag),
	};
}

/** The state a rollback is judged against; the coordinator builds it at commit time. */
export interface RollbackFacts {
	latest_version_number: number;
	active: Deployment;
	/** The versions the active deployment runs. */
	active_versions: Version[];
	/** Migration marks covering every version number between the target and the active versions. */
	history: MigrationMark[];
	/** Registry state of bound resources, keyed `type:id`; absent = never registered (assumed to exist). */
	resources: Map<string, { deleted_on: string | null }>;
}

export interface Eligibility {
	/** The rollback may go ahead (with `force` taken into account). */
	eligible: boolean;
	/** Every reason that applies, overridable ones included. */
	reasons: RefusalReason[];
}

/**
 * The one rollback rule: every reason a rollback of the active deployment to `target` is refused. Used
 * by the rollback itself (in the coordinator, at commit time) and by rollback-candidates.
 */
export function rollbackEligibility(
	target: Version,
	facts: RollbackFacts,
	policy: RollbackPolicy,
	force: boolean,
): Eligibility {
	const reasons: RefusalReason[] = [];
	const activeIds = facts.active.versions.map((v) => v.version_id);

	if (activeIds.length === 1 && activeIds[0] === target.id) {
		reasons.push({
			code: "already_active",
			message: `Version ${target.number} already serves 100 % of traffic; a rollback to it would change nothing.`,
			overridable: false,
		});
	}

	const oldestAllowed = Math.max(1, facts.latest_version_number - policy.window + 1);
	if (target.number < oldestAllowed) {
		reasons.push({
			code: "outside_window",
			message: `Version ${target.number} is outside the rollback window: only the latest ${policy.window} versions (${oldestAllowed} to ${facts.latest_version_number}) can be rolled back to.`,
			overridable: false,
			details: { window: policy.window, oldest_allowed_number: oldestAllowed, target_number: target.number },
		});
	}

	const migration = migrationBetween(target, facts);
	if (migration) {
		reasons.push({
			code: "durable_object_migration",
			message: `A Durable Object migration happened between version ${target.number} and the active deployment (version${migration.versions.length === 1 ? "" : "s"} ${migration.versions.join(", ")}); rolling back across it could leave Durable Objects on classes the old code does not know.`,
			overridable: false,
			details: migration,
		});
	}

	const gone = deletedResources(target.bindings, facts.resources);
	if (gone.length > 0) {
		reasons.push({
			code: "resource_deleted",
			message: `Version ${target.number} binds resources that no longer exist: ${describeDeleted(gone)}.`,
			overridable: false,
			details: { resources: gone },
		});
	}

	const d1 = target.bindings.filter((b) => b.type === "d1").map((b) => b.name);
	if (d1.length > 0 && !policy.allow_d1) {
		reasons.push({
			code: "d1_binding",
			message: `Version ${target.number} binds a D1 database (${d1.join(", ")}); rollbacks to such versions are disabled (set SHIPLOG_ROLLBACK_ALLOW_D1 = "true" to allow them).`,
			overridable: false,
			details: { bindings: d1 },
		});
	}

	const changed = changedSecrets(target, facts.active_versions);
	if (changed.length > 0) {
		reasons.push({
			code: "secrets_changed",
			message: `A secret has changed since version ${target.number} was made; the rollback would restore its old values. Send force: true if that is intended. The following secrets have changed: ${changed.join(", ")}.`,
			overridable: true,
			details: { secrets: changed },
		});
	}

	return { eligible: reasons.every((r) => force && r.overridable), reasons };
}

function migrationBetween(
	target: Version,
	facts: RollbackFacts,
): { target_tag: string | null; active_tags: (string | null)[]; versions: number[] } | null {
	const numbers = [target.number, ...facts.active_versions.map((v) => v.number)];
	const low = Math.min(...numbers);
	const high = Math.max(...numbers);
	// A migration is applied by the deploy of the version that carries it, so one carried by any
	// version after the older of the two, up to and including the newer, lies between them.
	const versions = facts.history
		.filter((m) => m.number > low && m.number <= high && m.migrated)
		.map((m) => m.number)
		.sort((a, b) => a - b);
	const active_tags = [...new Set(facts.active_versions.map((v) => v.migration_tag))];
	const tagMoved = active_tags.some((tag) => tag !== target.migration_tag);
	return versions.length > 0 || tagMoved ? { target_tag: target.migration_tag, active_tags, versions } : null;
}

/** Names of secrets whose value (reference) differs between the target and any active version. */
export function changedSecrets(target: Pick<Version, "bindings">, active: Pick<Version, "bindings">[]): string[] {
	const targetSecrets = new Map(target.bindings.filter(isSecretBinding).map((b) => [b.name, canonicalJson(b)]));
	const changed = new Set<string>();
	for (const version of active) {
		const activeSecrets = new Map(version.bindings.filter(isSecretBinding).map((b) => [b.name, canonicalJson(b)]));
		for (const name of new Set([...targetSecrets.keys(), ...activeSecrets.keys()])) {
			if (targetSecrets.get(name) !== activeSecrets.get(name)) changed.add(name);
		}
	}
	return [...changed].sort();
}

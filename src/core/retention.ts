/** What retention may remove: configured by SHIPLOG_RETENTION_DAYS (off by default) and the rollback window. */
export interface RetentionRule {
	/** Versions made before this instant (ISO 8601), and deployments made before it, are past retention. */
	cutoff: string;
	/** The latest `window` versions are rollback targets and always kept. */
	window: number;
}

export interface VersionAge {
	id: string;
	number: number;
	created_on: string;
}

/**
 * The one retention rule: a version may be pruned when it is past retention, outside the rollback window, and
 * used by no deployment made within retention nor by the active deployment (`used` holds those versions). The
 * deployments themselves are never pruned: the log keeps them as metadata naming versions that are gone.
 */
export function prunableVersions(
	versions: VersionAge[],
	facts: { latest_version_number: number; used: ReadonlySet<string> },
	rule: RetentionRule,
): string[] {
	const newestPrunable = facts.latest_version_number - rule.window;
	return versions
		.filter((v) => v.number <= newestPrunable && v.created_on < rule.cutoff && !facts.used.has(v.id))
		.map((v) => v.id);
}

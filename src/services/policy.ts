import { DEFAULT_ROLLBACK_WINDOW, MAX_ROLLBACK_WINDOW, type RollbackPolicy } from "../core/rollback-eligibility";

/** Reads SHIPLOG_ROLLBACK_WINDOW and SHIPLOG_ROLLBACK_ALLOW_D1; anything unreadable falls back to the spec. */
export function rollbackPolicy(vars: {
	SHIPLOG_ROLLBACK_WINDOW?: string;
	SHIPLOG_ROLLBACK_ALLOW_D1?: string;
}): RollbackPolicy {
	const window = Number(vars.SHIPLOG_ROLLBACK_WINDOW);
	return {
		window: Number.isInteger(window) && window >= 1 ? Math.min(window, MAX_ROLLBACK_WINDOW) : DEFAULT_ROLLBACK_WINDOW,
		allow_d1: vars.SHIPLOG_ROLLBACK_ALLOW_D1?.trim().toLowerCase() === "true",
	};
}

/** SHIPLOG_REQUIRE_IF_MATCH: a change that would replace an active deployment must say which one (428 otherwise). */
export const requireIfMatch = (vars: { SHIPLOG_REQUIRE_IF_MATCH?: string }) =>
	vars.SHIPLOG_REQUIRE_IF_MATCH?.trim().toLowerCase() === "true";

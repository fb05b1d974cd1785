import { authorize, type Grant, type Need } from "../core/scopes";
import { ApiError } from "../errors/api-error";

/** authorize() as a 403 that names the missing scope: for route guards and for checks that depend on a body. */
export function requireScope(grants: readonly Grant[], need: Need): void {
	const decision = authorize(grants, need);
	if (!decision.allowed) {
		throw ApiError.because("forbidden", "scope_missing", decision.message, { missing_scope: decision.missing });
	}
}

import { authorize, type Grant, mayRead } from "../core/scopes";
import type { AuditEntry } from "./entry";

/**
 * Whether a principal may see an entry: scoped like the rest. Entries about a Worker go to whoever may
 * read it; about resources, to whoever holds resources; everything else (tokens, webhooks, refusals of
 * unknown callers) to admins.
 */
export function visibleTo(grants: readonly Grant[], entry: Pick<AuditEntry, "worker" | "target_type">): boolean {
	if (authorize(grants, { scope: "admin", account: true }).allowed) return true;
	if (entry.worker !== null) return mayRead(grants, entry.worker);
	if (entry.target_type === "resource") return authorize(grants, { scope: "resources", account: true }).allowed;
	return false;
}

import { authorize, type Grant, mayRead } from "../core/scopes";
import type { Finding } from "./model";

/**
 * Findings are scoped like the rest: one about a Worker to whoever may read it, one about the account
 * (resources no Worker binds, …) to whoever holds `resources` (admins hold everything).
 */
export const findingVisibleTo = (grants: readonly Grant[]) => (f: Finding) =>
	f.worker === "" ? authorize(grants, { scope: "resources", account: true }).allowed : mayRead(grants, f.worker);

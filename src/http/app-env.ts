import type { AuditSource } from "../audit-log/entry";
import type { Principal } from "../auth/principal";
import type { RoutePolicy } from "../auth/route-policy";
import type { DashboardSession } from "../dashboard/session";
import type { Deps } from "../deps/deps";

export interface AppEnv {
	Bindings: Env;
	Variables: {
		deps: Deps;
		requestId: string;
		/** Who is asking (set by the surface's access control, before any route runs). */
		principal: Principal;
		/** Which surface received the request: what the audit log records as its source. */
		surface: AuditSource;
		/** The matched route's declared policy, once its guard has run. */
		policy: RoutePolicy | undefined;
		/** The Worker the route's path names, when its policy is about one Worker. */
		worker: string | undefined;
		/** The dashboard's signed-in session (src/dashboard), on dashboard pages only. */
		session: DashboardSession | undefined;
	};
}

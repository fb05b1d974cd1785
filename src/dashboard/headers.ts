import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";

/**
 * Dashboard pages load nothing but their own stylesheet: no script at all, no inline style, no frames, and
 * forms post only back to shiplog. A page that cannot run script cannot be made to run someone else's.
 */
export const DASHBOARD_CSP =
	"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Every answer under /w/* (path routing: managed Workers share shiplog's origin) runs in an opaque origin:
 * the managed Worker's pages keep their scripts, forms and popups, but without allow-same-origin they are
 * no longer same-origin with /dashboard, so a script in them cannot ride a signed-in person's session.
 */
export const MANAGED_SANDBOX_CSP =
	"sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads";

export const dashboardHeaders = createMiddleware<AppEnv>(async (c, next) => {
	await next();
	c.res.headers.set("content-security-policy", DASHBOARD_CSP);
	c.res.headers.set("x-frame-options", "DENY");
	c.res.headers.set("x-content-type-options", "nosniff");
	c.res.headers.set("referrer-policy", "same-origin");
	c.res.headers.set("cache-control", "no-store");
	c.res.headers.set("cross-origin-opener-policy", "same-origin");
	c.res.headers.set("cross-origin-resource-policy", "same-origin");
});

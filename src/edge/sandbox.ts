import { createMiddleware } from "hono/factory";
import { MANAGED_SANDBOX_CSP } from "../dashboard/headers";
import type { AppEnv } from "../http/app-env";
import { edgeConfig } from "./edge-config";

/**
 * Under path routing (/w/<name>/*) managed Workers are served from shiplog's own origin, the one /dashboard
 * is on. Every such answer (the Worker's own, and shiplog's errors about it) carries a CSP sandbox without
 * allow-same-origin, so the browser runs the page in an opaque origin: it cannot read /dashboard, and its
 * requests are cross-site, so the session cookie (SameSite=Strict) does not go with them. A Worker served on
 * its own host (<name>.<routing domain>) already has an origin of its own and is left as it is.
 */
export const sandboxManagedPages = createMiddleware<AppEnv>(async (c, next) => {
	await next();
	const domain = edgeConfig(c.env).routingDomain;
	if (domain && new URL(c.req.url).hostname.toLowerCase().endsWith(`.${domain}`)) return;
	const existing = c.res.headers.get("content-security-policy");
	const policy = existing ? `${existing}, ${MANAGED_SANDBOX_CSP}` : MANAGED_SANDBOX_CSP;
	try {
		c.res.headers.set("content-security-policy", policy);
	} catch {
		// The managed Worker's response may have immutable headers: copy it (Hono merges the old headers into
		// the copy on assignment, so the policy is set after).
		c.res = new Response(c.res.body, c.res);
		c.res.headers.set("content-security-policy", policy);
	}
});

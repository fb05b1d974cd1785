import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { type AuditSource, REFUSAL_STATUSES } from "../audit-log/entry";
import { actorOf, type Refusal, recordRefusal } from "../audit-log/record";
import { reasonOf } from "../errors/reasons";
import { afterResponse } from "../http/after-response";
import type { AppEnv } from "../http/app-env";
import { authenticate } from "./authenticate";

/** What a thrown error tells the audit log: the status the caller got, and shiplog's code and reason. */
function refusalOf(error: unknown, status: number): Refusal {
	if (!(error instanceof Error)) return { status, message: `refused with ${status}` };
	const { code, details } = error as Error & { code?: unknown; details?: object };
	return {
		status,
		message: error.message,
		...(typeof code === "string" || typeof code === "number" ? { code } : {}),
		...(reasonOf(details) ? { reason: reasonOf(details) } : {}),
	};
}

/** A refusal is answered as it is even when it cannot be recorded; the failure is logged. */
async function tolerate(recording: Promise<void>): Promise<void> {
	try {
		await recording;
	} catch (error) {
		console.error(JSON.stringify({ at: "audit.refusal", error: String(error) }));
	}
}

/**
 * One per surface (/v1, /client/v4): identifies the caller (401 otherwise), lets the route's guard decide
 * its scope, and records every refusal in the audit log with the route's declared action. A route that
 * answers without having declared a policy is a programming error: its answer is withheld (500).
 */
export const accessControl = (surface: AuditSource) =>
	createMiddleware<AppEnv>(async (c, next) => {
		c.set("surface", surface);
		const { deps } = c.var;
		const result = await authenticate(c.env, deps, c.req.header("authorization"));
		if (!result.ok) {
			const actor = { ...actorOf(null, surface, c.var.requestId), token_prefix: result.token_prefix };
			await tolerate(
				recordRefusal(c.env.DB, deps, actor, {
					action: "authenticate",
					refusal: refusalOf(result.error, result.error.status),
					details: { method: c.req.method, path: c.req.path },
				}),
			);
			throw result.error;
		}
		c.set("principal", result.principal);
		if (result.touch) await afterResponse(c, result.touch());

		await next();

		const status = c.res.status;
		const policy = c.var.policy;
		if (REFUSAL_STATUSES.has(status)) {
			await tolerate(
				recordRefusal(c.env.DB, deps, actorOf(result.principal, surface, c.var.requestId), {
					action: policy?.action ?? "request",
					worker: c.var.worker ?? null,
					refusal: refusalOf(c.error, status),
					details: { method: c.req.method, route: routePath(c, -1) },
				}),
			);
		} else if (status < 400 && policy === undefined) {
			throw new Error(`${c.req.method} ${routePath(c, -1)} answered without declaring a scope`);
		}
	});

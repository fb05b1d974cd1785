import type { Context } from "hono";

/** Runs `work` after the response when the runtime allows it (waitUntil), otherwise before answering. */
export async function afterResponse(c: Context, work: Promise<unknown>): Promise<void> {
	let ctx: ExecutionContext | undefined;
	try {
		ctx = c.executionCtx as ExecutionContext;
	} catch {
		ctx = undefined;
	}
	const logged = work.catch((error: unknown) =>
		console.error(JSON.stringify({ at: "afterResponse", error: String(error) })),
	);
	if (ctx) ctx.waitUntil(logged);
	else await logged;
}

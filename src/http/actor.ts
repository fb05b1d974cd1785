import type { Context } from "hono";
import { type Author, SOURCES, type Source } from "../core/model";
import { ApiError } from "../errors/api-error";
import type { AppEnv } from "./app-env";

export const SOURCE_HEADER = "shiplog-source";

/** Who made a change and through what: the token's identity, and the source the client names. */
export function actor(c: Context<AppEnv>, fallback: Source = "api"): { author: Author; source: Source } {
	const principal = c.get("principal");
	const raw = c.req.header(SOURCE_HEADER)?.trim().toLowerCase();
	if (raw !== undefined && !(SOURCES as readonly string[]).includes(raw)) {
		throw new ApiError("invalid_request", `Header Shiplog-Source must be one of ${SOURCES.join(", ")}.`);
	}
	return {
		author: { id: principal.id, email: principal.email },
		source: (raw as Source | undefined) ?? fallback,
	};
}

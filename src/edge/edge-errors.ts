/**
 * Answers the edge gives when it cannot hand back a managed Worker's own response. They use shiplog's
 * error body, with codes that say whose fault it is: `worker_*` codes are the managed Worker's (its code
 * threw, failed to start or took too long), never shiplog's `internal_error`.
 */
export const EDGE_FAULTS = {
	not_found: 404,
	worker_exception: 500,
	binding_unsupported: 501,
	/** shiplog cannot serve the Worker now (its own storage or configuration): anonymous callers learn no more. */
	unavailable: 503,
	worker_timeout: 504,
	/** A chain of service-binding calls went deeper than shiplog allows (a loop, most likely). */
	loop_detected: 508,
} as const;

export type EdgeFault = keyof typeof EDGE_FAULTS;

export const ERROR_HEADER = "shiplog-error";

export function edgeErrorResponse(code: EdgeFault, message: string, requestId: string): Response {
	return Response.json(
		{ error: { code, message }, request_id: requestId },
		{ status: EDGE_FAULTS[code], headers: { [ERROR_HEADER]: code } },
	);
}

/** The managed Worker's bundle cannot start (e.g. a JSON module that does not parse). */
export class WorkerFault extends Error {}

/** A binding the built-in edge accepts into the log but cannot provide; the client gets a 501 naming it. */
export class EdgeUnsupported extends Error {}

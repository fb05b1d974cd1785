import type { Deployment, Version } from "../core/model";
import type { Clock } from "../deps/deps";
import { type BodyWatch, watchBody } from "./client-body";
import { clientId } from "./client-id";
import { type EdgeConfig, edgeConfig } from "./edge-config";
import { type EdgeFault, EdgeUnsupported, edgeErrorResponse, WorkerFault } from "./edge-errors";
import { activeDeployment, versionById } from "./resolve";
import type { EdgeTarget } from "./routing";
import { reportOutcome } from "./traffic-reporter";
import { chooseVersion } from "./version-choice";
import { loaderId, workerCode } from "./worker-code";

export const VERSION_HEADER = "shiplog-version-id";
export const DEPLOYMENT_HEADER = "shiplog-deployment-id";

export interface ServeOptions {
	requestId: string;
	/** A named entrypoint of the managed Worker (service bindings may name one); default export if null. */
	entrypoint?: string | null;
	/** How many service-binding calls led here (0 from the edge itself). */
	hops?: number;
	/** Times how long an active deployment may be reused (SHIPLOG_EDGE_FRESHNESS). */
	clock: Clock;
}

/**
 * Runs one request on a managed Worker's active deployment: resolve the deployment, pick the version
 * (overrides, version key, percentages), run it in the Worker Loader with a wall-clock limit, label the
 * response with the version that served it, and count the outcome for health.
 */
export async function serveManaged(
	env: Env,
	ctx: ExecutionContext,
	target: EdgeTarget,
	incoming: Request,
	options: ServeOptions,
): Promise<Response> {
	const { worker } = target;
	const config = edgeConfig(env);
	const deployment = await activeDeployment(env, worker, options.clock.now().getTime(), config.freshnessMs);
	if (!deployment) {
		return edgeErrorResponse("not_found", `No managed Worker called ${worker} is deployed.`, options.requestId);
	}
	const versions = await Promise.all(deployment.versions.map((v) => versionById(env.DB, worker, v.version_id)));
	if (versions.some((v) => v === null)) throw new Error(`deployment ${deployment.id} names a version D1 does not have`);
	const known = versions as Version[];
	const newest = known.reduce((a, b) => (b.number > a.number ? b : a));
	const choice = chooseVersion(worker, deployment, newest.id, incoming.headers);
	const version = known.find((v) => v.id === choice.version_id) ?? newest;

	const run = await runVersion(env, ctx, version, config, watchBody(new Request(target.url, incoming)), options);
	// Health drives automatic rollbacks, so it counts only traffic the split assigned: never a caller's
	// override (anyone can pin any version), and capped per client (see health-window.ts).
	if (run.counted && choice.reason !== "override") {
		reportOutcome(env, ctx, worker, {
			deployment_id: deployment.id,
			version_id: version.id,
			client: clientId(incoming.headers),
			error: run.fault !== null || run.response.status >= 500,
			exception: run.fault === "worker_exception",
		});
	}
	return labelled(run.response, deployment, version, target.routing);
}

interface Run {
	response: Response;
	fault: EdgeFault | null;
	/** false when the outcome says nothing about the version's health (shiplog could not run it). */
	counted: boolean;
}

async function runVersion(
	env: Env,
	ctx: ExecutionContext,
	version: Version,
	config: EdgeConfig,
	body: BodyWatch,
	options: ServeOptions,
): Promise<Run> {
	const fail = (fault: EdgeFault, message: string, counted = true): Run => ({
		response: edgeErrorResponse(fault, message, options.requestId),
		fault,
		counted,
	});
	const hops = options.hops ?? 0;
	const id = loaderId(version, config, hops);
	let code: WorkerLoaderWorkerCode;
	try {
		code = await codeFor(env, ctx, id, version, config, hops);
	} catch (error) {
		if (error instanceof EdgeUnsupported) return fail("binding_unsupported", error.message, false);
		if (error instanceof WorkerFault) return fail("worker_exception", startFailure(version, error.message));
		// shiplog's own fault (a missing body, a secret no key opens, missing configuration): the details go to
		// the log, never to the Worker's anonymous callers.
		console.error(
			JSON.stringify({ at: "edge.code", request_id: options.requestId, version: version.id, error: String(error) }),
		);
		return fail(
			"unavailable",
			"This Worker cannot be served right now; the operator has been told (see the request id).",
			false,
		);
	}

	let timer: ReturnType<typeof setTimeout> | undefined;
	const timedOut = new Promise<"timeout">((resolve) => {
		timer = setTimeout(() => resolve("timeout"), config.timeoutMs);
	});
	try {
		const stub = env.LOADER.get(id, () => code);
		const entrypoint = stub.getEntrypoint(options.entrypoint ?? undefined);
		const result = await Promise.race([entrypoint.fetch(body.request), timedOut]);
		if (result === "timeout") {
			return fail(
				"worker_timeout",
				`The Worker ${version.worker} (version ${version.id}) did not answer within ${config.timeoutMs} ms.`,
				// A Worker still waiting for the client's body was slowed by the client, not broken.
				!body.waitingOnClient(),
			);
		}
		return { response: result, fault: null, counted: true };
	} catch (error) {
		// Every failure inside the managed Worker (a throw, a failed start, a blocked fetch it did not
		// catch) reaches the host as a rejection; shiplog's own failures were handled above.
		console.error(
			JSON.stringify({
				at: "edge",
				request_id: options.requestId,
				worker: version.worker,
				version: version.id,
				error: String(error),
			}),
		);
		return fail(
			"worker_exception",
			`The Worker ${version.worker} (version ${version.id}) threw an exception while handling this request. This is a fault in that Worker's code, not in shiplog; its logs have the details.`,
			// A body the client broke off makes the Worker's read throw: the client's doing.
			!body.failed(),
		);
	} finally {
		if (timer !== undefined) clearTimeout(timer);
	}
}

function startFailure(version: Version, reason: string): string {
	return `The Worker ${version.worker} (version ${version.id}) cannot start: ${reason}.`;
}

const CODE_CACHE_SIZE = 32;
const codes = new Map<string, Promise<WorkerLoaderWorkerCode>>();

/**
 * The code for a version, assembled before the Worker Loader sees it, so that shiplog's own failures
 * (a module missing from R2) are told apart from the managed Worker's. Kept per isolate by loader id,
 * which content-addresses it; a failed build is not kept.
 */
function codeFor(env: Env, ctx: ExecutionContext, id: string, version: Version, config: EdgeConfig, hops: number) {
	const cached = codes.get(id);
	if (cached) return cached;
	const built = workerCode(env, ctx, version, config, hops);
	codes.set(id, built);
	built.catch(() => codes.delete(id));
	if (codes.size > CODE_CACHE_SIZE) codes.delete(codes.keys().next().value as string);
	return built;
}

export const COOKIE_NOTICE_HEADER = "shiplog-set-cookie";

/**
 * Every answer says which deployment and version served it (the managed Worker's headers may be immutable).
 * Under path routing every managed Worker shares one origin with the others and with shiplog, so a cookie
 * one Worker sets would reach all of them: Set-Cookie is removed there (host routing keeps it).
 */
function labelled(
	response: Response,
	deployment: Deployment,
	version: Version,
	routing: EdgeTarget["routing"],
): Response {
	const out = new Response(response.body, response);
	out.headers.set(VERSION_HEADER, version.id);
	out.headers.set(DEPLOYMENT_HEADER, deployment.id);
	if (routing === "path" && out.headers.has("set-cookie")) {
		out.headers.delete("set-cookie");
		out.headers.set(COOKIE_NOTICE_HEADER, "removed: path routing shares one origin; use host routing for cookies");
	}
	return out;
}

import { WORKER_NAME } from "../core/model";
import { ApiError } from "../errors/api-error";

export interface EdgeTarget {
	worker: string;
	/** The URL the managed Worker sees: `/w/:name` is stripped, a routed host is kept as it is. */
	url: string;
	/**
	 * "path": served under shiplog's own origin (`/w/:name/`), which every managed Worker (and shiplog)
	 * shares; "host": served on an origin of its own (`<name>.<routing domain>`); "binding": a service binding.
	 */
	routing: "path" | "host" | "binding";
}

const PATH = /^\/w\/([^/]+)(\/.*)?$/;

/**
 * Which managed Worker a request is for, if any: `<name>.<routing domain>` by Host, or `/w/:name/*` by
 * path. A name that is not a valid Worker name is no target (the request falls through to a 404); a name
 * that is not even valid percent-encoding is a 400.
 */
export function edgeTarget(rawUrl: string, routingDomain: string | null): EdgeTarget | null {
	const url = new URL(rawUrl);
	if (routingDomain) {
		const host = url.hostname.toLowerCase();
		const suffix = `.${routingDomain}`;
		if (host.endsWith(suffix)) {
			const name = host.slice(0, -suffix.length);
			return WORKER_NAME.test(name) ? { worker: name, url: url.toString(), routing: "host" } : null;
		}
	}
	const match = url.pathname.match(PATH);
	if (!match) return null;
	const name = decodeName(match[1] ?? "");
	if (!WORKER_NAME.test(name)) return null;
	url.pathname = match[2] ?? "/";
	return { worker: name, url: url.toString(), routing: "path" };
}

function decodeName(raw: string): string {
	try {
		return decodeURIComponent(raw);
	} catch {
		throw new ApiError(
			"invalid_request",
			"The Worker name after /w/ is not valid percent-encoding; a Worker name is lower-case letters, digits and hyphens.",
		);
	}
}

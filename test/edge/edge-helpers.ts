import { env, exports } from "cloudflare:workers";
import type { Deployment, TriggeredBy } from "../../src/core/model";
import { unwrap } from "../../src/errors/api-error";
import { commandFields } from "../fixtures/context";
import { api, deploy, json, uploadVersion } from "../helpers";

/** A request to a managed Worker through shiplog's edge (`/w/:name/*`). */
export function edge(worker: string, path = "/", init: RequestInit = {}): Promise<Response> {
	return exports.default.fetch(new Request(`http://shiplog.test/w/${worker}${path}`, init));
}

/** A Worker that answers with its label, the URL it saw and its env. */
export const reporter = (label: string) => `
export default {
	async fetch(request, env) {
		return Response.json({ label: ${JSON.stringify(label)}, url: request.url, env });
	},
};`;

export const js = (body: string) => ({ modules: [{ name: "index.js", body }] });

export async function deployCode(worker: string, body: string, metadata: Record<string, unknown> = {}) {
	return deploy(worker, { ...js(body), metadata });
}

export async function uploadCode(worker: string, body: string) {
	return uploadVersion(worker, js(body));
}

/** POST /v1/workers/:name/deployments; fails the test on anything but 201. */
export async function split(
	worker: string,
	versions: { version_id: string; percentage: number }[],
): Promise<Deployment> {
	const res = await api(`/v1/workers/${worker}/deployments`, {
		method: "POST",
		body: JSON.stringify({ versions, message: "gradual" }),
	});
	if (res.status !== 201) throw new Error(`deployment failed: ${res.status} ${await res.text()}`);
	return json(res);
}

/** A deployment through the coordinator, as a rollback makes one. */
export async function coordinatorDeploy(
	worker: string,
	version_id: string,
	triggered_by: TriggeredBy,
	rollback_from: string | null = null,
): Promise<Deployment> {
	return unwrap(
		await env.COORDINATOR.getByName(worker).deploy({
			...commandFields(worker),
			message: triggered_by,
			force: false,
			policy: { window: 10, allow_d1: false },
			triggered_by,
			versions: [{ version_id, percentage: 100 }],
			rollback_from,
		}),
	);
}

export async function label(res: Response): Promise<string> {
	return ((await res.json()) as { label: string }).label;
}

/** Polls until `check` returns a value (health counts arrive after the response, in the background). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error("condition not met in time");
		await new Promise((r) => setTimeout(r, 25));
	}
}

export async function health(worker: string) {
	const res = await api(`/v1/workers/${worker}/health`);
	if (res.status !== 200) throw new Error(`health failed: ${res.status} ${await res.text()}`);
	return json(res);
}

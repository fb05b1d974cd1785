import { exports } from "cloudflare:workers";
import type { z } from "@hono/zod-openapi";
import type { UploadResultSchema } from "../src/api/v1/schemas";

/** What PUT /v1/workers/:name and POST …/versions answer, typed from the API's own schema. */
export type UploadResult = z.infer<typeof UploadResultSchema>;

export const TOKEN = "test-admin-token";
export const BASE = "http://shiplog.test";

export interface ModuleSpec {
	name: string;
	body: string | Uint8Array;
	type?: string;
}

export interface UploadSpec {
	metadata?: Record<string, unknown>;
	modules?: ModuleSpec[];
}

export const workerSource = (text: string) =>
	`export default { async fetch() { return new Response(${JSON.stringify(text)}); } };`;

/** Cloudflare's upload format: a `metadata` JSON part and a part per module. */
export function uploadForm(spec: UploadSpec = {}): FormData {
	const form = new FormData();
	const modules = spec.modules ?? [{ name: "index.js", body: workerSource("hello") }];
	form.append(
		"metadata",
		new Blob(
			[
				JSON.stringify({
					main_module: modules[0]?.name,
					compatibility_date: "2026-11-01",
					...spec.metadata,
				}),
			],
			{ type: "application/json" },
		),
	);
	for (const m of modules) {
		const body = typeof m.body === "string" ? new TextEncoder().encode(m.body) : m.body;
		form.append(m.name, new File([body], m.name, { type: m.type ?? "application/javascript+module" }));
	}
	return form;
}

export function api(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
	if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
	return exports.default.fetch(new Request(`${BASE}${path}`, { ...init, headers }));
}

export async function json<T = any>(response: Response): Promise<T> {
	return (await response.json()) as T;
}

/** PUT /v1/workers/:name — upload and deploy. Fails the test on anything but 201. */
export async function deploy(name: string, spec: UploadSpec = {}): Promise<UploadResult & { deployment: Deployed }> {
	const res = await api(`/v1/workers/${name}`, { method: "PUT", body: uploadForm(spec) });
	if (res.status !== 201) throw new Error(`deploy ${name} failed: ${res.status} ${await res.text()}`);
	return json(res);
}

export async function uploadVersion(name: string, spec: UploadSpec = {}): Promise<UploadResult> {
	const res = await api(`/v1/workers/${name}/versions`, { method: "POST", body: uploadForm(spec) });
	if (res.status !== 201) throw new Error(`upload ${name} failed: ${res.status} ${await res.text()}`);
	return json(res);
}

type Deployed = NonNullable<UploadResult["deployment"]>;

export const patchJson = (path: string, body: unknown, method = "PATCH") =>
	api(path, { method, body: JSON.stringify(body) });

/** Counts a Worker's rows in D1, to prove that something was (or was not) written. */
export async function counts(name: string): Promise<{ versions: number; deployments: number }> {
	const { env } = await import("cloudflare:workers");
	const row = await env.DB.prepare(
		"SELECT (SELECT count(*) FROM versions WHERE worker = ?1) AS versions, (SELECT count(*) FROM deployments WHERE worker = ?1) AS deployments",
	)
		.bind(name)
		.first<{ versions: number; deployments: number }>();
	return row ?? { versions: 0, deployments: 0 };
}

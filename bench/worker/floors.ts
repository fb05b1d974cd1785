import type { AuditActor } from "../../src/audit-log/entry";
import { changeEntry } from "../../src/coordinator/change-record";
import type { Deployment, TriggeredBy, Version } from "../../src/core/model";
import { deploymentEvent } from "../../src/notifications/events";
import { insertAuditEntry } from "../../src/storage/audit-log";
import { insertDeployment } from "../../src/storage/deployments";
import { insertEvent } from "../../src/storage/events";
import { pinBodies } from "../../src/storage/module-gc";
import { moduleKey } from "../../src/storage/modules";
import { insertVersion } from "../../src/storage/versions";
import { advanceWorker } from "../../src/storage/workers";

/**
 * The floors that `npm run bench` compares shiplog with: each does the storage work of the operation it is
 * a floor for and nothing else (no parsing, hashing, coordinator, guard, reads or cache), so shiplog's figure
 * over the floor's, measured in the same run, is the cost of shiplog's own work. A floor writes every row the
 * real change writes (test/bench-routes.test.ts compares them table by table): the pin on the module body, the
 * workers row, the version and deployment, the audit entry and the outbox event, built by shiplog's own
 * functions. Its rows are valid log entries (contiguous numbers, counters, modules in R2 under their SHA-256),
 * so a bench database still passes the audit.
 */

const AUTHOR = { id: "bench", email: "bench@shiplog.local" };
const ACTOR: AuditActor = {
	principal_id: "bench",
	principal_kind: null,
	token_prefix: null,
	source: "api",
	request_id: null,
};

/**
 * The deployment each floor Worker's last floor call made: the event of the next one names it as the previous
 * deployment, as shiplog's does (shiplog reads it from its coordinator's cache, so the floor reads nothing).
 */
const lastDeployment = new Map<string, Deployment>();

export interface FloorDeploy {
	worker: string;
	/** The number of the version and of the deployment this call writes (the Worker's n-th of each). */
	number: number;
	sha256: string;
	bytes: ArrayBuffer;
}

export function floorVersion(worker: string, number: number, sha256: string, size: number, now: string): Version {
	return {
		id: crypto.randomUUID(),
		worker,
		number,
		created_on: now,
		author: AUTHOR,
		source: "api",
		message: null,
		tag: null,
		triggered_by: "upload",
		main_module: "index.js",
		modules: [{ name: "index.js", content_type: "application/javascript+module", sha256, size }],
		bindings: [],
		compatibility_date: "2026-11-01",
		compatibility_flags: [],
		usage_model: "standard",
		migration_tag: null,
		migrations: null,
	};
}

function floorDeployment(
	worker: string,
	number: number,
	versionId: string,
	now: string,
	triggered_by: TriggeredBy,
	rollback_from: string | null,
): Deployment {
	return {
		id: crypto.randomUUID(),
		worker,
		number,
		created_on: now,
		author: AUTHOR,
		source: "api",
		message: null,
		triggered_by,
		rollback_from,
		strategy: "percentage",
		versions: [{ version_id: versionId, percentage: 100 }],
	};
}

/** The audit entry and the outbox event that land in a change's own batch, as the coordinator builds them. */
function changeRecords(
	db: D1Database,
	asked: string,
	now: string,
	version: Version | null,
	deployment: Deployment,
): D1PreparedStatement[] {
	const command = { worker: deployment.worker, author: AUTHOR, source: "api" as const, at: now, audit: ACTOR };
	const entry = changeEntry(crypto.randomUUID(), command, asked, { version, deployment }, "success");
	const event = deploymentEvent(deployment, lastDeployment.get(deployment.worker) ?? null, ACTOR);
	lastDeployment.set(deployment.worker, deployment);
	return [insertAuditEntry(db, entry), insertEvent(db, crypto.randomUUID(), now, event)];
}

/**
 * Floor of a deploy (PUT /v1/workers/:name): the pin on the body (one D1 statement), one R2 put of the
 * bundle's bytes, then one D1 batch of the rows a deploy writes.
 */
export async function deployFloor(env: Env, input: FloorDeploy): Promise<{ version_id: string }> {
	const now = new Date().toISOString();
	const version = floorVersion(input.worker, input.number, input.sha256, input.bytes.byteLength, now);
	const deployment = floorDeployment(input.worker, input.number, version.id, now, "upload", null);
	if (!(await pinBodies(env.DB, [input.sha256], now))) throw new Error(`body ${input.sha256} is being collected`);
	await env.MODULES.put(moduleKey(input.sha256), input.bytes, { sha256: input.sha256 });
	await env.DB.batch([
		advanceWorker(env.DB, {
			name: input.worker,
			now,
			next: { version_count: input.number, deployment_count: input.number, active_deployment_id: deployment.id },
		}),
		insertVersion(env.DB, version),
		insertDeployment(env.DB, deployment),
		...changeRecords(env.DB, "worker.deploy", now, version, deployment),
	]);
	return { version_id: version.id };
}

/**
 * Floor of a rollback (POST /v1/workers/:name/rollback): one D1 batch of the rows a rollback writes (the
 * pointer, one deployment of `version_id`, its audit entry and its event).
 */
export async function rollbackFloor(
	env: Env,
	input: { worker: string; number: number; version_count: number; version_id: string },
): Promise<void> {
	const now = new Date().toISOString();
	const from = lastDeployment.get(input.worker)?.id ?? null;
	const deployment = floorDeployment(input.worker, input.number, input.version_id, now, "rollback", from);
	await env.DB.batch([
		advanceWorker(env.DB, {
			name: input.worker,
			now,
			next: { version_count: input.version_count, deployment_count: input.number, active_deployment_id: deployment.id },
		}),
		insertDeployment(env.DB, deployment),
		...changeRecords(env.DB, "worker.rollback", now, null, deployment),
	]);
}

const SEED_SOURCE = `export default { async fetch() { return new Response("seeded"); } };`;

/**
 * A Worker with one version and `deployments` deployments of it, numbered 1..n, written straight to D1 in
 * one batch (one recursive INSERT). Only for a Worker no coordinator has seen yet: its coordinator then
 * starts from these counters.
 */
export async function seedHistory(env: Env, worker: string, deployments: number): Promise<void> {
	const bytes = new TextEncoder().encode(SEED_SOURCE);
	const sha256 = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
		.map((b) => b.toString(16).padStart(2, "0"))
		.join("");
	await env.MODULES.put(moduleKey(sha256), bytes, { sha256 });
	const now = new Date().toISOString();
	const version = floorVersion(worker, 1, sha256, bytes.byteLength, now);
	const versions = JSON.stringify([{ version_id: version.id, percentage: 100 }]);
	const db = env.DB;
	await db.batch([
		advanceWorker(db, {
			name: worker,
			now,
			next: { version_count: 1, deployment_count: 0, active_deployment_id: null },
		}),
		insertVersion(db, version),
		db
			.prepare(
				`WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2)
				 INSERT INTO deployments (id, worker, number, created_on, author_id, author_email, source, message,
				   triggered_by, rollback_from, strategy, versions)
				 SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a'
				          || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
				        ?1, n, ?3, ?4, ?5, 'api', NULL, 'upload', NULL, 'percentage', ?6
				 FROM seq`,
			)
			.bind(worker, deployments, now, AUTHOR.id, AUTHOR.email, versions),
		db
			.prepare(
				`UPDATE workers SET deployment_count = ?2,
				   active_deployment_id = (SELECT id FROM deployments WHERE worker = ?1 AND number = ?2)
				 WHERE name = ?1`,
			)
			.bind(worker, deployments),
	]);
}

/** Bytes and objects stored in R2 under a prefix. */
export async function r2Usage(bucket: R2Bucket, prefix: string): Promise<{ bytes: number; objects: number }> {
	let bytes = 0;
	let objects = 0;
	let cursor: string | undefined;
	do {
		const page = await bucket.list({ prefix, cursor, limit: 1000 });
		for (const object of page.objects) {
			bytes += object.size;
			objects += 1;
		}
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
	return { bytes, objects };
}

const directCodes = new Map<string, Promise<WorkerLoaderWorkerCode>>();

/**
 * The edge's floor: a module loaded from R2 once and called through the Worker Loader directly, with
 * the same compatibility settings and isolation the edge gives a version with no bindings, but without
 * resolving a deployment, choosing a version, labelling or counting.
 */
export async function callDirect(env: Env, sha256: string, request: Request): Promise<Response> {
	let code = directCodes.get(sha256);
	if (!code) {
		code = (async () => {
			const object = await env.MODULES.get(moduleKey(sha256));
			if (!object) throw new Error(`no module ${sha256} in R2`);
			return {
				compatibilityDate: "2026-11-01",
				compatibilityFlags: [],
				mainModule: "index.js",
				modules: { "index.js": { js: await object.text() } },
				env: {},
				limits: { cpuMs: Number(env.SHIPLOG_EDGE_CPU_MS) || 1000 },
				globalOutbound: null,
			} satisfies WorkerLoaderWorkerCode;
		})();
		directCodes.set(sha256, code);
		code.catch(() => directCodes.delete(sha256));
	}
	const ready = await code;
	return env.LOADER.get(`bench-direct@${sha256}`, () => ready)
		.getEntrypoint()
		.fetch(request);
}

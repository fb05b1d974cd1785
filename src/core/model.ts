import type { Binding } from "./bindings";
import type { Migrations } from "./metadata";
import type { ContentType } from "./module-types";

/** Where a change came from, as Cloudflare records it, plus shiplog's own front ends. */
export const SOURCES = ["api", "wrangler", "dashboard", "chatops", "terraform", "cli", "schedule", "edge"] as const;
export type Source = (typeof SOURCES)[number];

export const TRIGGERS = [
	"upload",
	"version_upload",
	"secret",
	"settings",
	"rollback",
	"deployment",
	"promotion",
	"auto_rollback",
] as const;
export type TriggeredBy = (typeof TRIGGERS)[number];

export interface ModuleEntry {
	name: string;
	content_type: ContentType;
	sha256: string;
	size: number;
}

export interface Author {
	id: string;
	email: string;
}

export interface Version {
	id: string;
	worker: string;
	number: number;
	created_on: string;
	author: Author;
	source: Source;
	message: string | null;
	tag: string | null;
	triggered_by: TriggeredBy;
	main_module: string;
	modules: ModuleEntry[];
	bindings: Binding[];
	compatibility_date: string | null;
	compatibility_flags: string[];
	usage_model: string;
	migration_tag: string | null;
	migrations: Migrations | null;
}

export interface TrafficSplit {
	version_id: string;
	percentage: number;
}

export interface Deployment {
	id: string;
	worker: string;
	number: number;
	created_on: string;
	author: Author;
	source: Source;
	message: string | null;
	triggered_by: TriggeredBy;
	rollback_from: string | null;
	strategy: "percentage";
	versions: TrafficSplit[];
}

export interface WorkerRecord {
	name: string;
	created_on: string;
	updated_on: string;
	active_deployment_id: string | null;
	version_count: number;
	deployment_count: number;
}

export const WORKER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

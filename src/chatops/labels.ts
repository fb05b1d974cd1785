import type { Deployment, Version } from "../core/model";
import { getVersionsByIds } from "../storage/versions";
import { esc } from "./blocks";

/** Version numbers by id, for showing deployments as people know them (v12, not a UUID). */
export type VersionNumbers = ReadonlyMap<string, number>;

export async function versionNumbers(
	db: D1Database,
	worker: string,
	deployments: Deployment[],
): Promise<VersionNumbers> {
	const ids = [...new Set(deployments.flatMap((d) => d.versions.map((v) => v.version_id)))];
	const versions = await getVersionsByIds(db, worker, ids);
	return new Map(versions.map((v) => [v.id, v.number]));
}

export const versionLabel = (numbers: VersionNumbers, id: string) => {
	const number = numbers.get(id);
	return number === undefined ? `\`${id.slice(0, 8)}\`` : `v${number}`;
};

/** `v12 100%` or `v12 90% · v13 10%`. */
export const trafficLabel = (numbers: VersionNumbers, deployment: Deployment) =>
	deployment.versions.map((v) => `${versionLabel(numbers, v.version_id)} ${v.percentage}%`).join(" · ");

const when = (iso: string) => iso.slice(0, 16).replace("T", " ");

/** One line per deployment: number, traffic, why, who, when. */
export function deploymentLine(numbers: VersionNumbers, d: Deployment): string {
	const message = d.message ? ` — _${esc(d.message.slice(0, 80))}_` : "";
	return `*#${d.number}* ${trafficLabel(numbers, d)} · ${d.triggered_by} · ${esc(d.author.email)} · ${when(d.created_on)} UTC${message}`;
}

export const versionTitle = (v: Version) =>
	`v${v.number}${v.tag ? ` (${esc(v.tag)})` : ""}${v.message ? ` — _${esc(v.message.slice(0, 80))}_` : ""}`;

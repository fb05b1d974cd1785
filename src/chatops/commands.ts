import { withoutSecretMaterial } from "../core/bindings";
import type { Version } from "../core/model";
import { formatGrant, mayRead } from "../core/scopes";
import { soleVersion } from "../core/traffic";
import { diffVersions } from "../core/version-diff";
import { ApiError, unwrap } from "../errors/api-error";
import { coordinatorFor } from "../services/coordinator";
import { requireWorker } from "../services/lookups";
import { rollbackPolicy } from "../services/policy";
import { rollbackCandidates } from "../services/rollback-candidates";
import { getActiveDeployment, getPreviousFullDeployment, listDeployments } from "../storage/deployments";
import { getVersion, getVersionByNumber } from "../storage/versions";
import { listWorkers } from "../storage/workers";
import type { SlackMessage } from "./blocks";
import { promptView } from "./confirm-views";
import type { ChatCommand, VersionRef } from "./grammar";
import { versionNumbers } from "./labels";
import { planRollback, planRollout } from "./plan";
import { candidatesView, deploymentsView, diffView, helpView, listView, statusView, whoamiView } from "./read-views";
import { type MappedCall, requireSlackScope, slackIdentity } from "./slack-call";

/** At most this many Workers in `/shiplog list` (a message has room for about that many lines). */
const LIST_LIMIT = 40;

async function list(call: MappedCall): Promise<SlackMessage> {
	const workers = (await listWorkers(call.env.DB, 1000)).filter((w) => mayRead(call.principal.grants, w.name));
	const items = await Promise.all(
		workers.slice(0, LIST_LIMIT).map(async (worker) => {
			const active = await getActiveDeployment(call.env.DB, worker.name);
			return { worker, active, numbers: await versionNumbers(call.env.DB, worker.name, active ? [active] : []) };
		}),
	);
	return listView(items);
}

async function status(call: MappedCall, worker: string): Promise<SlackMessage> {
	const db = call.env.DB;
	await requireWorker(db, worker);
	const recent = (await listDeployments(db, worker, 5)).items;
	const active = recent[0];
	if (!active) return deploymentsView(worker, [], new Map());
	const health = active.versions.length > 1 ? unwrap(await coordinatorFor(call.env, worker).health(worker)) : null;
	return statusView(worker, active, recent, await versionNumbers(db, worker, recent), health);
}

async function deployments(call: MappedCall, worker: string): Promise<SlackMessage> {
	await requireWorker(call.env.DB, worker);
	const items = (await listDeployments(call.env.DB, worker, 10)).items;
	return deploymentsView(worker, items, await versionNumbers(call.env.DB, worker, items));
}

async function versionOf(db: D1Database, worker: string, ref: VersionRef): Promise<Version> {
	const v = "number" in ref ? await getVersionByNumber(db, worker, ref.number) : await getVersion(db, worker, ref.id);
	if (!v) throw new ApiError("not_found", `${worker} has no version ${"number" in ref ? `v${ref.number}` : ref.id}.`);
	return v;
}

/** Default sides: the active deployment's version(s), from the previous one-version deployment if not split. */
async function diffSides(db: D1Database, worker: string, from: VersionRef | null, to: VersionRef | null) {
	const active = await getActiveDeployment(db, worker);
	if (!active) throw new ApiError("conflict", `${worker} has never been deployed.`);
	const ids = active.versions.map((v) => v.version_id);
	let toVersion = to ? await versionOf(db, worker, to) : null;
	let fromVersion = from ? await versionOf(db, worker, from) : null;
	if (!toVersion) {
		const serving = await Promise.all(ids.map((id) => versionOf(db, worker, { id })));
		serving.sort((a, b) => a.number - b.number);
		toVersion = serving.at(-1) as Version;
		if (!fromVersion && serving.length > 1) fromVersion = serving[0] as Version;
	}
	if (!fromVersion) {
		const previous = await getPreviousFullDeployment(db, worker, active.number, soleVersion(active));
		const id = previous ? soleVersion(previous) : null;
		if (!id)
			throw new ApiError(
				"not_found",
				`${worker} has no earlier version to compare with; name one: \`diff ${worker} v1\`.`,
			);
		fromVersion = await versionOf(db, worker, { id });
	}
	return { from: fromVersion, to: toVersion };
}

async function diff(call: MappedCall, worker: string, from: VersionRef | null, to: VersionRef | null) {
	await requireWorker(call.env.DB, worker);
	const sides = await diffSides(call.env.DB, worker, from, to);
	const summary = diffVersions(sides.from, sides.to, new Map(), withoutSecretMaterial);
	const link = `${call.origin}/v1/workers/${worker}/diff?from=${sides.from.id}&to=${sides.to.id}`;
	return diffView(worker, sides.from, sides.to, summary, link);
}

async function candidates(call: MappedCall, worker: string): Promise<SlackMessage> {
	await requireWorker(call.env.DB, worker);
	const policy = rollbackPolicy(call.env);
	const { items } = await rollbackCandidates(call.env.DB, worker, policy);
	return candidatesView(worker, items, policy.window);
}

/**
 * Answers one command for a mapped Slack user. Reads need `read` on the Worker; rollback, promote and
 * abort need the scope they will act with already here, so nobody is shown a button they cannot use.
 * Throws ApiError for refusals (the receiver words and records them).
 */
export async function runCommand(
	call: MappedCall,
	command: Exclude<ChatCommand, { kind: "link" }>,
): Promise<SlackMessage> {
	switch (command.kind) {
		case "help":
			return helpView();
		case "whoami":
			return whoamiView(
				call.principal.id,
				call.principal.grants.map(formatGrant),
				slackIdentity(call.team_id, call.user_id),
			);
		case "list":
			return list(call);
		default:
			break;
	}
	const worker = command.worker;
	switch (command.kind) {
		case "status":
			requireSlackScope(call, "read", worker);
			return status(call, worker);
		case "deployments":
			requireSlackScope(call, "read", worker);
			return deployments(call, worker);
		case "diff":
			requireSlackScope(call, "read", worker);
			return diff(call, worker, command.from, command.to);
		case "candidates":
			requireSlackScope(call, "read", worker);
			return candidates(call, worker);
		case "rollback":
			requireSlackScope(call, "rollback", worker);
			return promptView(await planRollback(call.env, worker, command.version), command.reason, call.deps.ids.uuid());
		case "promote":
		case "abort":
			requireSlackScope(call, command.kind === "promote" ? "deploy" : "rollback", worker);
			return promptView(await planRollout(call.env, command.kind, worker), null, call.deps.ids.uuid());
	}
}

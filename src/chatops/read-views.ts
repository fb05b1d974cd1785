import { bindingsWithOutsideState } from "../core/bindings";
import type { Deployment, Version, WorkerRecord } from "../core/model";
import type { VersionDiff } from "../core/version-diff";
import type { WorkerHealth } from "../edge/health/health-monitor";
import type { RollbackCandidate } from "../services/rollback-candidates";
import { actions, button, context, esc, header, message, type SlackMessage, section } from "./blocks";
import { USAGE } from "./grammar";
import { deploymentLine, trafficLabel, type VersionNumbers, versionLabel, versionTitle } from "./labels";

const only = (text: string, blocks = [section(text)]) => message(text, blocks, { response_type: "ephemeral" });

export function helpView(): SlackMessage {
	const lines = Object.values(USAGE).map((u) => `• \`/shiplog ${u}\``);
	return only("shiplog commands", [
		header("shiplog"),
		section(lines.join("\n")),
		context(
			"rollback, promote and abort show what will happen and act only when you confirm. Versions are numbers (`v12`) or ids.",
		),
	]);
}

export function listView(items: { worker: WorkerRecord; active: Deployment | null; numbers: VersionNumbers }[]) {
	if (items.length === 0) return only("You may not read any managed Worker, or there are none yet.");
	const lines = items.map(({ worker, active, numbers }) =>
		active
			? `*${esc(worker.name)}* · ${trafficLabel(numbers, active)} · #${active.number}`
			: `*${esc(worker.name)}* · never deployed`,
	);
	return only(`${items.length} Workers`, [header("Workers"), section(lines.join("\n"))]);
}

function healthLines(health: WorkerHealth | null, numbers: VersionNumbers): string[] {
	const counts = health?.active_deployment?.versions ?? [];
	if (counts.length === 0) return ["No traffic counted yet in this deployment."];
	return counts.map(
		(v) =>
			`${versionLabel(numbers, v.version_id)} at ${v.percentage}%: ${v.requests} requests, ${v.errors} errors (${(v.error_rate * 100).toFixed(1)}%)`,
	);
}

export function statusView(
	worker: string,
	active: Deployment,
	recent: Deployment[],
	numbers: VersionNumbers,
	health: WorkerHealth | null,
): SlackMessage {
	const split = active.versions.length > 1;
	const blocks = [
		header(worker),
		section(`*Active:* ${deploymentLine(numbers, active)}`),
		...(split
			? [
					section(
						`*Gradual rollout* (last ${health?.window_seconds ?? "?"} s)\n${healthLines(health, numbers).join("\n")}`,
					),
					context(
						`\`/shiplog promote ${worker}\` sends all traffic to the new version; \`/shiplog abort ${worker}\` to the old one.`,
					),
				]
			: []),
		section(`*Last deployments*\n${recent.map((d) => deploymentLine(numbers, d)).join("\n")}`),
	];
	return only(`${worker}: ${trafficLabel(numbers, active)}`, blocks);
}

export function deploymentsView(worker: string, deployments: Deployment[], numbers: VersionNumbers): SlackMessage {
	if (deployments.length === 0) return only(`${worker} has no deployments yet.`);
	return only(`Deployments of ${worker}`, [
		header(`Deployments of ${worker}`),
		section(deployments.map((d) => deploymentLine(numbers, d)).join("\n")),
	]);
}

/** A few lines saying what changed between two versions, for a person deciding whether to go on. */
export function diffSummary(diff: VersionDiff): string[] {
	if (diff.identical) return ["Code and configuration are identical."];
	const lines: string[] = [];
	const names = (items: { name: string; status: string }[]) =>
		items
			.slice(0, 6)
			.map((i) => `\`${esc(i.name)}\` ${i.status}`)
			.join(", ") + (items.length > 6 ? `, and ${items.length - 6} more` : "");
	if (diff.modules.length > 0) lines.push(`Modules: ${names(diff.modules)}`);
	if (diff.bindings.length > 0) lines.push(`Bindings: ${names(diff.bindings)}`);
	if (diff.compatibility_date) {
		lines.push(
			`Compatibility date: ${diff.compatibility_date.from ?? "none"} → ${diff.compatibility_date.to ?? "none"}`,
		);
	}
	if (diff.compatibility_flags) lines.push("Compatibility flags changed");
	if (diff.migration_tag) {
		lines.push(
			`Durable Object migration tag: ${diff.migration_tag.from ?? "none"} → ${diff.migration_tag.to ?? "none"}`,
		);
	}
	if (diff.main_module) lines.push(`Main module: ${esc(diff.main_module.from)} → ${esc(diff.main_module.to)}`);
	if (diff.usage_model) lines.push(`Usage model: ${diff.usage_model.from} → ${diff.usage_model.to}`);
	return lines;
}

export function diffView(worker: string, from: Version, to: Version, diff: VersionDiff, link: string): SlackMessage {
	const title = `${worker}: v${from.number} → v${to.number}`;
	return only(title, [
		header(title),
		section(diffSummary(diff).join("\n")),
		actions(button({ text: "Full diff (JSON)", action_id: "shiplog.link", url: link })),
		context(`The full diff needs a shiplog token with read access: ${esc(link)}`),
	]);
}

const mark = (c: RollbackCandidate) =>
	c.active
		? ":large_green_circle:"
		: c.eligible
			? ":white_check_mark:"
			: c.eligible_with_force
				? ":warning:"
				: ":no_entry_sign:";

export function candidatesView(worker: string, items: RollbackCandidate[], window: number): SlackMessage {
	if (items.length === 0) return only(`${worker} has no versions to roll back to.`);
	const lines = items.map((c) => {
		const why = c.active
			? "serving now"
			: c.eligible
				? "can be rolled back to"
				: c.reasons.map((r) => esc(r.message)).join(" ");
		const warn =
			c.eligible && bindingsWithOutsideState(c.version.bindings).length > 0 ? " (bound data may have moved on)" : "";
		return `${mark(c)} *${versionTitle(c.version)}* ${why}${c.eligible_with_force && !c.eligible ? " — needs force" : ""}${warn}`;
	});
	return only(`Rollback candidates for ${worker}`, [
		header(`Rollback candidates: ${worker}`),
		section(lines.join("\n")),
		context(`The latest ${window} versions. \`/shiplog rollback ${worker} v<n>\` to choose one.`),
	]);
}

export function whoamiView(principal: string, scopes: string[], slack: string): SlackMessage {
	return only(`You act as ${principal}`, [
		section(
			`You (${esc(slack)}) act in shiplog as *${esc(principal)}* with scopes: ${scopes.map((s) => `\`${esc(s)}\``).join(", ")}`,
		),
	]);
}

import type { Deployment, TriggeredBy, Version } from "../core/model";
import type { RefusalReason } from "../core/rollback-eligibility";

export const workerPath = (name: string) => `/dashboard/workers/${encodeURIComponent(name)}`;
export const versionPath = (name: string, id: string) => `${workerPath(name)}/versions/${encodeURIComponent(id)}`;
export const deploymentPath = (name: string, id: string) => `${workerPath(name)}/deployments/${encodeURIComponent(id)}`;

/** A time as people read it, with the exact instant for machines and screen readers alike. */
export function Time(props: { at: string }) {
	const text = props.at
		.replace("T", " ")
		.replace(/\.\d+Z$/, " UTC")
		.replace(/Z$/, " UTC");
	return <time datetime={props.at}>{text}</time>;
}

const TRIGGER_LABELS: Record<TriggeredBy, { text: string; tone: string }> = {
	upload: { text: "deploy", tone: "info" },
	version_upload: { text: "version upload", tone: "info" },
	deployment: { text: "deployment", tone: "info" },
	promotion: { text: "promotion", tone: "info" },
	rollback: { text: "rollback", tone: "warn" },
	auto_rollback: { text: "automatic rollback", tone: "bad" },
	settings: { text: "settings change", tone: "info" },
	secret: { text: "secret change", tone: "info" },
};

/** What made a deployment: rollbacks, automatic rollbacks and settings changes told apart at a glance. */
export function TriggerBadge(props: { triggered_by: TriggeredBy }) {
	const label = TRIGGER_LABELS[props.triggered_by] ?? { text: props.triggered_by, tone: "info" };
	return <span class={`badge ${label.tone}`}>{label.text}</span>;
}

/** "v7 100 %" or "v8 10 % · v7 90 %", each linking to its version. */
export function Split(props: { worker: string; deployment: Deployment; numbers: Map<string, number> }) {
	return (
		<span>
			{props.deployment.versions.map((v, i) => (
				<span>
					{i > 0 && " · "}
					<a href={versionPath(props.worker, v.version_id)}>v{props.numbers.get(v.version_id) ?? "?"}</a> {v.percentage}{" "}
					%
				</span>
			))}
		</span>
	);
}

export function Reasons(props: { reasons: RefusalReason[] }) {
	return (
		<ul>
			{props.reasons.map((r) => (
				<li data-code={r.code}>
					{r.message}
					{r.overridable && <span class="muted"> (can be overridden: restores the secrets' old values)</span>}
				</li>
			))}
		</ul>
	);
}

export const versionLabel = (v: Pick<Version, "number" | "tag">) => `v${v.number}${v.tag ? ` (${v.tag})` : ""}`;

/** Numbers of the versions the deployments name, for showing "v7" rather than an id. */
export function numbersOf(versions: Version[]): Map<string, number> {
	return new Map(versions.map((v) => [v.id, v.number]));
}

import type { Deps } from "../deps/deps";
import type { FindingTransition } from "./model";

/**
 * The one place finding transitions leave the audit: called once per opening and once per closing (never for
 * a finding that merely persists), after the run has committed them. Today it writes one structured log line
 * each; the notifications of issue 13 (webhooks, Slack: `emitEvent`) take its place here. Delivery is at least
 * once: a step that dies between committing and notifying is notified by the next step, so receivers dedupe
 * on (finding.id, event).
 */
export async function notifyFindingTransitions(
	_env: Env,
	_deps: Deps,
	transitions: FindingTransition[],
): Promise<void> {
	for (const t of transitions) {
		console.log(
			JSON.stringify({
				at: "audit.finding",
				event: t.event,
				run: t.run_id,
				finding: t.finding.id,
				check: t.finding.check,
				worker: t.finding.worker,
				subject: t.finding.subject,
				severity: t.finding.severity,
				message: t.finding.message,
			}),
		);
	}
}

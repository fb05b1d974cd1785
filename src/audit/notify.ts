import type { Deps } from "../deps/deps";
import { emitEvents } from "../notifications/emit";
import type { FindingTransition } from "./model";

/**
 * The one place finding transitions leave the audit: called once per opening and once per closing (never for
 * a finding that merely persists), after the run has committed them, as `finding.opened` / `finding.closed`
 * events (webhooks, Slack). Delivery is at least once: a step that dies between committing and notifying is
 * notified by the next step, so receivers dedupe on (finding.id, event).
 */
export async function notifyFindingTransitions(env: Env, deps: Deps, transitions: FindingTransition[]): Promise<void> {
	if (transitions.length === 0) return;
	await emitEvents(
		env,
		deps,
		transitions.map((t) => ({
			type: t.event,
			worker: t.finding.worker === "" ? null : t.finding.worker,
			data: {
				finding_id: t.finding.id,
				check: t.finding.check,
				severity: t.finding.severity,
				subject: t.finding.subject,
				run_id: t.run_id,
				at: t.at,
				summary: t.finding.message,
			},
		})),
	);
}

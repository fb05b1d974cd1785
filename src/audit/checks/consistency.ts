import type { Observation } from "../model";
import type { WorkerFacts } from "../worker-facts";

/**
 * Consistency rules 1 and 2 (docs/consistency.md): numbers contiguous from 1 (pruned versions accounted for),
 * the pointer on the latest deployment, and the coordinator's counters and pointer equal to D1's.
 */
export function consistencyFindings(f: WorkerFacts): Observation[] {
	const worker = f.record.name;
	const out: Observation[] = f.log.map((p) => ({
		check: "consistency",
		worker,
		subject: p.subject,
		severity: "critical",
		message: `Worker ${worker}: ${p.problem}.`,
	}));
	const inD1 = {
		version_count: f.record.version_count,
		deployment_count: f.record.deployment_count,
		active_deployment_id: f.record.active_deployment_id,
	};
	if (!f.coordinator.ok) {
		out.push({
			check: "consistency",
			worker,
			subject: "coordinator",
			severity: "critical",
			message: `Worker ${worker}: its coordinator could not report its counters (${f.coordinator.error}).`,
		});
	} else {
		const held = f.coordinator.counters;
		if (
			held.version_count !== inD1.version_count ||
			held.deployment_count !== inD1.deployment_count ||
			held.active_deployment_id !== inD1.active_deployment_id
		) {
			out.push({
				check: "consistency",
				worker,
				subject: "coordinator",
				severity: "critical",
				message: `Worker ${worker}: its coordinator holds ${JSON.stringify(held)} but D1 has ${JSON.stringify(inD1)}.`,
				details: { coordinator: held, d1: inD1 },
			});
		}
	}
	return out;
}

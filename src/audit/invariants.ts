import { toHex } from "../core/hash";
import { coordinatorFor } from "../services/coordinator";
import { listDeployments } from "../storage/deployments";
import { moduleKey } from "../storage/modules";
import { prunedVersionIds } from "../storage/pruned-versions";
import { getVersionsByIds } from "../storage/versions";
import { getWorker } from "../storage/workers";
import { checkLog, type LogProblem } from "./check-log";

/**
 * Checks one Worker against DESIGN.md's consistency rules: numbers contiguous and the pointer on the
 * latest deployment (D1), the coordinator and the edge agreeing with D1, and every module of the versions that the
 * latest `depth` deployments serve present in R2 under a body whose SHA-256 R2 itself vouches for. Tests call it
 * after every fault; the audit run checks the same rules across the account in bounded steps (src/audit/checks).
 */
export async function checkWorkerInvariants(env: Env, worker: string, depth = 10_000): Promise<LogProblem[]> {
	const problems: LogProblem[] = [];
	const add = (subject: string, problem: string) => problems.push({ worker, subject, problem });
	const record = await getWorker(env.DB, worker);
	if (!record) return [{ worker, subject: "worker", problem: "no such Worker in D1" }];

	problems.push(...(await checkLog(env.DB, worker)).problems);

	const coordinator = coordinatorFor(env, worker);
	const held = await coordinator.counters(worker);
	const inD1 = {
		version_count: record.version_count,
		deployment_count: record.deployment_count,
		active_deployment_id: record.active_deployment_id,
	};
	if (JSON.stringify(held) !== JSON.stringify(inD1)) {
		add("coordinator", `coordinator holds ${JSON.stringify(held)} but D1 has ${JSON.stringify(inD1)}`);
	}

	// What the edge serves from: the coordinator's view of the active deployment.
	const served = await coordinator.activeDeployment(worker);
	if (!served.ok) add("edge", `the edge could not resolve the active deployment: ${served.error.message}`);
	else if ((served.value?.id ?? null) !== record.active_deployment_id) {
		add(
			"edge",
			`the edge serves deployment ${served.value?.id ?? "none"} but D1's pointer is ${record.active_deployment_id}`,
		);
	}

	const { items: deployments } = await listDeployments(env.DB, worker, Math.min(depth, 10_000));
	const versionIds = [...new Set(deployments.flatMap((d) => d.versions.map((v) => v.version_id)))];
	const versions = await getVersionsByIds(env.DB, worker, versionIds);
	const pruned = await prunedVersionIds(env.DB, worker, versionIds);
	const serving = new Set(deployments[0]?.versions.map((v) => v.version_id));
	for (const id of versionIds) {
		if (versions.some((v) => v.id === id)) continue;
		// Retention may prune what old deployments used, never what the active one serves.
		if (pruned.has(id) && !serving.has(id)) continue;
		add("versions", `a deployment serves version ${id}, which is not in the log`);
	}
	const hashes = new Set(versions.flatMap((v) => v.modules.map((m) => m.sha256)));
	for (const sha256 of hashes) {
		const head = await env.MODULES.head(moduleKey(sha256));
		if (!head) add("modules", `module ${sha256} is missing from R2`);
		else if (!head.checksums.sha256 || toHex(head.checksums.sha256) !== sha256) {
			add("modules", `module ${sha256} in R2 does not carry that SHA-256`);
		}
	}
	return problems;
}

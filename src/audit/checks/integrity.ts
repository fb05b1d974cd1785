import { toHex } from "../../core/hash";
import { moduleKey } from "../../storage/modules";
import type { Observation } from "../model";

export interface BodyProblem {
	sha256: string;
	kind: "missing" | "corrupt";
	detail: string;
}

/**
 * Reads a module body back from R2 and hashes its bytes as they stream (no copy held in memory): it must
 * exist and its bytes must hash to its key; when R2 also holds a SHA-256 for it (shiplog always sends one),
 * that must agree too.
 */
export async function verifyBody(bucket: R2Bucket, sha256: string): Promise<BodyProblem | null> {
	const object = await bucket.get(moduleKey(sha256));
	if (!object) return { sha256, kind: "missing", detail: "missing from R2" };
	const digest = new crypto.DigestStream("SHA-256");
	await object.body.pipeTo(digest);
	const actual = toHex(await digest.digest);
	if (actual !== sha256) return { sha256, kind: "corrupt", detail: `its bytes hash to ${actual}` };
	const recorded = object.checksums.sha256;
	if (recorded && toHex(recorded) !== sha256) {
		return { sha256, kind: "corrupt", detail: `R2 records SHA-256 ${toHex(recorded)} for it` };
	}
	return null;
}

/**
 * One finding per Worker whose versions reference a bad body: critical when its active deployment serves
 * the body (its traffic fails now), a warning when only older versions do (a rollback to them would fail).
 */
export function integrityFindings(
	problems: BodyProblem[],
	users: { sha256: string; worker: string; live: number }[],
): Observation[] {
	const bySha = new Map(problems.map((p) => [p.sha256, p]));
	return users.flatMap((u): Observation[] => {
		const problem = bySha.get(u.sha256);
		if (!problem) return [];
		const live = u.live === 1;
		return [
			{
				check: "integrity",
				worker: u.worker,
				subject: `module:${u.sha256}`,
				severity: live ? "critical" : "warning",
				message: `Worker ${u.worker}: module body ${u.sha256} is ${problem.kind === "missing" ? "missing from R2" : `corrupt (${problem.detail})`}; ${live ? "its active deployment serves it" : "older versions use it (rollbacks to them would fail)"}. ${problem.kind === "missing" ? "Upload the same code again to restore it." : "Delete the object from R2, then upload the same code again."}`,
				details: { sha256: u.sha256, problem: problem.kind, detail: problem.detail, active: live },
			},
		];
	});
}

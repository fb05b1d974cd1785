import { AUDIT_STATE, readAuditState, writeAuditState } from "../storage/audit-state";
import { bodyUsers, countReferencedBodies, referencedBodiesAfter } from "../storage/module-gc";
import { integrityFindings, verifyBody } from "./checks/integrity";
import { pool } from "./pool";
import { nothingSeen, type StepContext, type StepWork, tally } from "./step";

/** Bodies one step reads back and hashes. */
const PER_STEP = 100;
const CONCURRENCY = 6;

/**
 * The integrity slice: this run's share of every module body that a version references, read back from R2 and
 * hashed, continuing where the last run stopped (audit_state), so that hourly runs go round all of them within
 * SHIPLOG_AUDIT_INTEGRITY_PERIOD_HOURS. Only findings about the bodies examined can close.
 */
export async function integrityStep(ctx: StepContext): Promise<StepWork> {
	const { env } = ctx;
	let run = ctx.run;
	if (!run.counts.integrity) {
		const bodies = await countReferencedBodies(env.DB);
		const slice = Math.min(
			bodies,
			Math.max(ctx.config.integrity_min_slice, Math.ceil(bodies / ctx.config.integrity_period_hours)),
		);
		run = { ...run, counts: { ...run.counts, integrity: { slice, checked: 0, bodies } } };
	}
	const progress = run.counts.integrity ?? { slice: 0, checked: 0, bodies: 0 };
	const wanted = Math.min(PER_STEP, progress.slice - progress.checked);
	if (wanted <= 0) return nothingSeen(ctx, { phase: "resources", cursor: null }, run);

	const start = (await readAuditState(env.DB, AUDIT_STATE.integrityCursor)) ?? "";
	let shas = await referencedBodiesAfter(env.DB, start, wanted);
	let passCompleted: string | undefined;
	if (shas.length < wanted) {
		// The cursor went round: every referenced body has been checked since the pass began.
		passCompleted = ctx.at;
		const rest = await referencedBodiesAfter(env.DB, "", wanted - shas.length);
		shas = [...new Set([...shas, ...rest])];
	}
	const problems = (await pool(shas, CONCURRENCY, (sha) => verifyBody(env.MODULES, sha))).filter((p) => p !== null);
	const users = await bodyUsers(
		env.DB,
		problems.map((p) => p.sha256),
	);
	const observed = integrityFindings(problems, users);
	const statements = [writeAuditState(env.DB, AUDIT_STATE.integrityCursor, shas.at(-1) ?? "")];
	if (passCompleted) statements.push(writeAuditState(env.DB, AUDIT_STATE.integrityPassCompleted, passCompleted));
	run = tally(run, "integrity", shas.length, observed.length);
	const checked = progress.checked + shas.length;
	const integrity = {
		...progress,
		checked,
		...(passCompleted ? { pass_completed_on: passCompleted } : {}),
	};
	run = { ...run, counts: { ...run.counts, integrity } };
	const done = checked >= progress.slice || shas.length === 0;
	return {
		observed,
		scopes: shas.map((sha) => ({ check: "integrity" as const, subject: `module:${sha}` })),
		statements,
		next: done ? { phase: "resources", cursor: null } : { phase: "integrity", cursor: shas.at(-1) ?? null },
		run,
	};
}

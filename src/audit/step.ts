import type { Deps } from "../deps/deps";
import type { SecretKeyring } from "./checks/secrets";
import type { AuditConfig } from "./config";
import type { AuditRun, FindingTransition, Observation, Phase, Scope } from "./model";

/** Hands finding transitions to whoever tells people (webhooks, Slack); see notify.ts. */
export type Notifier = (transitions: FindingTransition[]) => Promise<void>;

/** What one step of a run works with: a metered env, the run as committed so far, the time, the config. */
export interface StepContext {
	env: Env;
	deps: Deps;
	run: AuditRun;
	now: Date;
	at: string;
	config: AuditConfig;
	keyring: SecretKeyring;
}

/** What one step did: what it examined and saw, what else to write with it, and where the run goes next. */
export interface StepWork {
	observed: Observation[];
	scopes: Scope[];
	/** Written in the step's one guarded batch, with the findings and the progress. */
	statements: D1PreparedStatement[];
	next: { phase: Phase; cursor: string | null };
	/** The run's figures after this step (findings figures are added by the caller). */
	run: AuditRun;
}

export const nothingSeen = (ctx: StepContext, next: StepWork["next"], run = ctx.run): StepWork => ({
	observed: [],
	scopes: [],
	statements: [],
	next,
	run,
});

/** The run with a check's figures raised by what a step examined and saw. */
export function tally(run: AuditRun, check: Observation["check"], examined: number, found: number): AuditRun {
	const before = run.counts.checks[check] ?? { examined: 0, found: 0 };
	return {
		...run,
		counts: {
			...run.counts,
			checks: { ...run.counts.checks, [check]: { examined: before.examined + examined, found: before.found + found } },
		},
	};
}

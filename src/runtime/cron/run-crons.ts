import { cronMatches, parseCron } from "../../core/cron";
import type { Version } from "../../core/model";
import type { Deps } from "../../deps/deps";
import { edgeConfig } from "../../edge/edge-config";
import { currentDeployment, versionById } from "../../edge/resolve";
import { chooseVersion } from "../../edge/version-choice";
import { loaderId, workerCode } from "../../edge/worker-code";
import {
	allSchedules,
	type CronOutcome,
	claimCronRun,
	finishCronRun,
	type ScheduleRecord,
} from "../../storage/cron-runs";
import { DISPATCH_ENTRYPOINT } from "../runtime-code";

const MINUTE_MS = 60_000;

interface DispatchResult {
	outcome: "ok" | "exception" | "no_handler";
	error?: string;
}

type Dispatch = { runScheduled(cron: string, scheduledTime: number): Promise<DispatchResult> };

/**
 * shiplog's own every-minute cron: runs the scheduled() handler of every managed Worker with a schedule due in
 * this minute, on the Worker's active deployment (a split picks a version as traffic would), and records each
 * run (when, which version, what happened) in D1. Each (Worker, cron, minute) is claimed in D1 first, so a
 * minute that fires twice runs each schedule once.
 */
export async function runManagedCrons(
	env: Env,
	ctx: { readonly exports: Cloudflare.Exports },
	deps: Deps,
	scheduledTime: number,
): Promise<{ due: number; ran: number }> {
	const minute = Math.floor(scheduledTime / MINUTE_MS) * MINUTE_MS;
	const at = new Date(minute);
	const due = (await allSchedules(env.DB)).filter((schedule) => {
		try {
			return cronMatches(parseCron(schedule.cron), at);
		} catch {
			return false; // checked when it was set; a rule changed since then must not stop the others
		}
	});
	const ran = await Promise.all(due.map((schedule) => runOne(env, ctx, deps, schedule, minute)));
	return { due: due.length, ran: ran.filter(Boolean).length };
}

async function runOne(
	env: Env,
	ctx: { readonly exports: Cloudflare.Exports },
	deps: Deps,
	schedule: ScheduleRecord,
	minute: number,
): Promise<boolean> {
	const id = deps.ids.uuid();
	const claimed = await claimCronRun(env.DB, {
		id,
		worker: schedule.worker,
		cron: schedule.cron,
		scheduled_time: minute,
		started_on: deps.clock.now().toISOString(),
	});
	if (!claimed) return false;
	const finish = (outcome: CronOutcome, fields: { deployment?: string; version?: string; error?: string } = {}) =>
		finishCronRun(env.DB, id, {
			finished_on: deps.clock.now().toISOString(),
			deployment_id: fields.deployment ?? null,
			version_id: fields.version ?? null,
			outcome,
			error: fields.error ?? null,
		});
	try {
		const deployment = await currentDeployment(env, schedule.worker);
		if (!deployment) {
			await finish("not_deployed");
			return true;
		}
		const versions = await Promise.all(
			deployment.versions.map((v) => versionById(env.DB, schedule.worker, v.version_id)),
		);
		const known = versions.filter((v): v is Version => v !== null);
		const newest = known.reduce((a, b) => (b.number > a.number ? b : a));
		const choice = chooseVersion(schedule.worker, deployment, newest.id, new Headers());
		const version = known.find((v) => v.id === choice.version_id) ?? newest;
		const ids = { deployment: deployment.id, version: version.id };
		const config = edgeConfig(env);
		const code = await workerCode(env, ctx, version, config, 0, true);
		const worker = env.LOADER.get(`${loaderId(version, config)};dispatch`, () => code);
		const dispatch = worker.getEntrypoint(DISPATCH_ENTRYPOINT) as unknown as Dispatch;
		const result = await withTimeout(dispatch.runScheduled(schedule.cron, minute), config.timeoutMs);
		if (result === "timeout") {
			await finish("exception", { ...ids, error: `scheduled() did not finish within ${config.timeoutMs} ms` });
		} else {
			await finish(result.outcome, { ...ids, error: result.error });
		}
	} catch (error) {
		// The Worker could not start (its fault), or shiplog could not load it: the run says which it was.
		console.error(JSON.stringify({ at: "cron", worker: schedule.worker, cron: schedule.cron, error: String(error) }));
		await finish("exception", { error: String(error).slice(0, 2000) }).catch(() => undefined);
	}
	return true;
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | "timeout"> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<"timeout">((resolve) => {
		timer = setTimeout(() => resolve("timeout"), ms);
	});
	try {
		return await Promise.race([work, timeout]);
	} finally {
		if (timer !== undefined) clearTimeout(timer);
	}
}

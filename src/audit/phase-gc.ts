import {
	condemn,
	lift,
	mark,
	PIN_TTL_MS,
	purgePins,
	referencedBodies,
	STALE_CONDEMNATION_MS,
	staleCondemnations,
	sweepCandidates,
} from "../storage/module-gc";
import { moduleKey } from "../storage/modules";
import type { RunCounts } from "./model";
import { nothingSeen, type StepContext, type StepWork } from "./step";

const PREFIX = "modules/sha256/";
const SHA256 = /^[0-9a-f]{64}$/;
/** R2 lists and deletes up to 1000 keys a call. */
const PAGE = 1000;

type GcCounts = NonNullable<RunCounts["gc"]>;
const ZERO: GcCounts = { listed: 0, marked: 0, unmarked: 0, deleted: 0, pins_expired: 0 };

function withGc(ctx: StepContext, add: Partial<GcCounts>) {
	const gc = { ...ZERO, ...ctx.run.counts.gc };
	for (const [k, v] of Object.entries(add) as [keyof GcCounts, number][]) gc[k] += v;
	return { ...ctx.run, counts: { ...ctx.run.counts, gc } };
}

/**
 * Mark: a page of the bucket per step. Each body no version references gets a mark saying since when (an
 * existing mark is kept); a referenced body loses its mark. Marking deletes nothing.
 */
export async function gcMarkStep(ctx: StepContext): Promise<StepWork> {
	if (ctx.config.gc_grace_ms === null) return nothingSeen(ctx, { phase: "finish", cursor: null });
	const { env } = ctx;
	const page = await env.MODULES.list({
		prefix: PREFIX,
		limit: PAGE,
		...(ctx.run.cursor ? { cursor: ctx.run.cursor } : {}),
	});
	const shas = page.objects.map((o) => o.key.slice(PREFIX.length)).filter((s) => SHA256.test(s));
	const referenced = await referencedBodies(env.DB, shas);
	const marked = await mark(
		env.DB,
		shas.filter((s) => !referenced.has(s)),
		[...referenced],
		ctx.at,
	);
	const run = withGc(ctx, { listed: shas.length, marked });
	const next = page.truncated
		? { phase: "gc_mark" as const, cursor: page.cursor }
		: { phase: "gc_sweep" as const, cursor: null };
	return nothingSeen(ctx, next, run);
}

/**
 * Sweep: bodies marked longer than the grace period are condemned in one D1 statement that re-checks, atomically
 * with every upload's pin, that no version references them and no upload has pinned them; only then are they
 * deleted from R2, and the condemnation lifted. Condemnations a dead collector left are finished first.
 */
export async function gcSweepStep(ctx: StepContext): Promise<StepWork> {
	const { env, now } = ctx;
	const grace = ctx.config.gc_grace_ms ?? 0;
	const stale = await staleCondemnations(env.DB, new Date(now.getTime() - STALE_CONDEMNATION_MS).toISOString(), PAGE);
	if (stale.length > 0) {
		await env.MODULES.delete(stale.map(moduleKey));
		await lift(env.DB, stale);
	}
	const candidates = await sweepCandidates(env.DB, new Date(now.getTime() - grace).toISOString(), PAGE);
	const pinnedSince = new Date(now.getTime() - PIN_TTL_MS).toISOString();
	const { condemned, unmarked } = await condemn(env.DB, candidates, ctx.at, pinnedSince);
	if (condemned.length > 0) {
		await env.MODULES.delete(condemned.map(moduleKey));
		await lift(env.DB, condemned);
	}
	const more = candidates.length === PAGE;
	const pins_expired = more ? 0 : await purgePins(env.DB, pinnedSince);
	const run = withGc(ctx, { deleted: condemned.length + stale.length, unmarked, pins_expired });
	return nothingSeen(ctx, more ? { phase: "gc_sweep", cursor: null } : { phase: "finish", cursor: null }, run);
}

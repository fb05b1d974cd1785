import { unboundResourceFinding } from "./checks/resources";
import { nothingSeen, type StepContext, type StepWork, tally } from "./step";

const PAGE = 500;

interface RegistryRow {
	type: string;
	id: string;
	created_on: string;
	deleted_on: string | null;
	bound: number;
}

/**
 * Resources no Worker binds: the registry, a page per step, against what the Workers' active deployments bound
 * when this run examined them (audit_worker_resources). A resource that is deleted or bound again is examined
 * and not seen, so its finding closes.
 */
export async function resourcesStep(ctx: StepContext): Promise<StepWork> {
	const { env } = ctx;
	const [type, id] = ctx.run.cursor ? (JSON.parse(ctx.run.cursor) as [string, string]) : ["", ""];
	const { results } = await env.DB.prepare(
		`SELECT r.type, r.id, r.created_on, r.deleted_on,
		   EXISTS (SELECT 1 FROM audit_worker_resources a WHERE a.type = r.type AND a.id = r.id) AS bound
		 FROM resources r WHERE (r.type, r.id) > (?1, ?2) ORDER BY r.type, r.id LIMIT ?3`,
	)
		.bind(type, id, PAGE)
		.all<RegistryRow>();
	if (results.length === 0) return nothingSeen(ctx, { phase: "gc_mark", cursor: null });
	const observed = results.filter((r) => r.deleted_on === null && r.bound === 0).map(unboundResourceFinding);
	const last = results.at(-1);
	return {
		observed,
		scopes: results.map((r) => ({ check: "resources" as const, subject: `unbound:${r.type}:${r.id}` })),
		statements: [],
		next:
			results.length < PAGE || !last
				? { phase: "gc_mark", cursor: null }
				: { phase: "resources", cursor: JSON.stringify([last.type, last.id]) },
		run: tally(ctx.run, "resources", results.length, observed.length),
	};
}

import type { WorkerRecord } from "../core/model";
import { type Grant, mayRead } from "../core/scopes";
import { listWorkers } from "../storage/workers";

/** Rows read per query, and at most per request: a token for a few Workers may get a short page and a cursor. */
const CHUNK = 200;
const MAX_SCAN = 2000;

/**
 * The Workers after `after` that the caller may read (and that `match` keeps, e.g. a search), by name: a
 * list shows only what its reader may see. /v1 and the dashboard list through this.
 */
export async function readableWorkers(
	db: D1Database,
	grants: readonly Grant[],
	limit: number,
	after?: string,
	match: (name: string) => boolean = () => true,
) {
	const page: WorkerRecord[] = [];
	let cursor = after;
	for (let scanned = 0; scanned < MAX_SCAN; ) {
		const rows = await listWorkers(db, CHUNK, cursor);
		for (const worker of rows) {
			scanned += 1;
			if (mayRead(grants, worker.name) && match(worker.name)) page.push(worker);
			cursor = worker.name;
			if (page.length > limit) return { page: page.slice(0, limit), next_after: page[limit - 1]?.name ?? null };
		}
		if (rows.length < CHUNK) return { page, next_after: null };
	}
	return { page, next_after: cursor ?? null };
}

import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWorkerInvariants } from "../src/audit/invariants";
import { api, deploy, json, uploadForm, workerSource } from "./helpers";
import { checkLinearizable, type Operation, type Seen } from "./history-checker";

const WORKERS = ["lin-a", "lin-b", "lin-c", "lin-d", "lin-e"];
const OPERATIONS = 300;
const CLIENTS = 12;

type Kind =
	| "deploy"
	| "upload-then-deploy"
	| "redeploy-old"
	| "rollback"
	| "settings"
	| "impatient-deploy"
	| "api-read"
	| "edge-read";

const WRITES: Kind[] = ["deploy", "upload-then-deploy", "redeploy-old", "rollback", "settings", "impatient-deploy"];

/** A small deterministic generator so a failing history can be replayed. */
function random(seed: number) {
	let state = seed;
	return () => {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

/** What the API says is active: `GET /v1/workers/:name/deployments/active`. */
async function apiRead(worker: string, label: string): Promise<Operation> {
	const call = Date.now();
	const res = await api(`/v1/workers/${worker}/deployments/active`);
	const body = res.status === 200 ? await json(res) : null;
	const value = body ? { id: body.id, number: body.number } : undefined;
	return { worker, kind: "read", label, call, return: Date.now(), value };
}

/** What traffic sees: the deployment that served `/w/:name/`. */
async function edgeRead(worker: string, label: string): Promise<Operation> {
	const call = Date.now();
	const res = await exports.default.fetch(new Request(`http://shiplog.test/w/${worker}/`));
	await res.arrayBuffer();
	const id = res.status === 200 ? res.headers.get("shiplog-deployment-id") : null;
	return { worker, kind: "read", label, call, return: Date.now(), value: id ? { id } : undefined };
}

describe("the active pointer under concurrent clients", () => {
	it("a history of 300 deploys, rollbacks, settings changes, impatient clients and reads through the API and the edge over 5 Workers is linearizable", {
		timeout: 90_000,
	}, async () => {
		const initial: Record<string, Seen> = {};
		const versionsOf: Record<string, string[]> = {};
		for (const w of WORKERS) {
			const { version, deployment } = await deploy(w);
			initial[w] = { id: deployment.id, number: deployment.number };
			versionsOf[w] = [version.id];
		}
		const next = random(20261130);
		const kinds: Kind[] = [...WRITES, "api-read", "api-read", "edge-read", "edge-read", "edge-read"];
		const plan = Array.from({ length: OPERATIONS }, (_, i) => ({
			i,
			worker: WORKERS[Math.floor(next() * WORKERS.length)] as string,
			kind: kinds[Math.floor(next() * kinds.length)] as Kind,
			pick: next(),
		}));

		const history: Operation[] = [];
		let waiting: (() => void)[] = [];
		const nextCompletion = () => new Promise<null>((resolve) => waiting.push(() => resolve(null)));
		const completed = () => {
			for (const wake of waiting) wake();
			waiting = [];
		};
		/** Requests whose client stopped waiting; they run on, and the log shows whether they landed. */
		const abandoned: Promise<Response>[] = [];
		const run = async (op: (typeof plan)[number]) => {
			const { worker, kind, i } = op;
			if (kind === "api-read") return void history.push(await apiRead(worker, `api read ${i}`));
			if (kind === "edge-read") return void history.push(await edgeRead(worker, `edge read ${i}`));
			let versionId: string | undefined;
			if (kind === "upload-then-deploy") {
				const up = await api(`/v1/workers/${worker}/versions`, {
					method: "POST",
					body: uploadForm({ modules: [{ name: "index.js", body: workerSource(`op ${i}`) }] }),
				});
				versionId = (await json(up)).version.id;
				versionsOf[worker]?.push(versionId as string);
			}
			if (kind === "redeploy-old" || kind === "rollback") {
				const known = versionsOf[worker] ?? [];
				versionId = known[Math.floor(op.pick * known.length)];
			}
			const label = `${kind} ${i}`;
			const call = Date.now();
			const pending = request(kind, worker, i, versionId);
			if (kind === "impatient-deploy") {
				// The client gives up as soon as any other operation finishes first: whether its deploy took effect
				// is then unknown to it. (Timers are no use here: workerd fires them after the I/O in flight.)
				const res = await Promise.race([pending, nextCompletion()]);
				if (!res) {
					abandoned.push(pending);
					history.push({ worker, kind: "write", label, call, return: null });
					return;
				}
			}
			const res = await pending;
			const ret = Date.now();
			// A rollback, or a deployment of an older version (which is one), may be refused (the target is
			// already active, or outside the window): a clean refusal that changes nothing, so it is no operation
			// on the pointer. Everything else must succeed.
			if ((kind === "rollback" || kind === "redeploy-old") && res.status === 422) return;
			expect(res.status, `${label}: ${res.status}`).toBe(201);
			const body = await json(res);
			const deployment = kind === "redeploy-old" || kind === "upload-then-deploy" ? body : body.deployment;
			if (body.version?.id) versionsOf[worker]?.push(body.version.id);
			history.push({
				worker,
				kind: "write",
				label,
				call,
				return: ret,
				value: { id: deployment.id, number: deployment.number },
			});
			// The same client reads straight after its write: where a stale cache would show.
			history.push(
				await (op.pick < 0.5 ? apiRead : edgeRead)(worker, `${op.pick < 0.5 ? "api" : "edge"} read after ${i}`),
			);
		};

		const request = (kind: Kind, worker: string, i: number, versionId?: string) => {
			switch (kind) {
				case "deploy":
				case "impatient-deploy":
					return api(`/v1/workers/${worker}`, {
						method: "PUT",
						body: uploadForm({ modules: [{ name: "index.js", body: workerSource(`op ${i}`) }] }),
					});
				case "rollback":
					return api(`/v1/workers/${worker}/rollback`, {
						method: "POST",
						body: JSON.stringify({ version_id: versionId, force: true, message: `op ${i}` }),
					});
				case "settings":
					return api(`/v1/workers/${worker}/settings`, {
						method: "PATCH",
						body: JSON.stringify({ vars: { OP: String(i) }, message: `op ${i}` }),
					});
				default:
					return api(`/v1/workers/${worker}/deployments`, {
						method: "POST",
						body: JSON.stringify({ versions: [{ version_id: versionId, percentage: 100 }], message: `op ${i}` }),
					});
			}
		};

		const queue = [...plan];
		await Promise.all(
			Array.from({ length: CLIENTS }, async () => {
				for (let op = queue.shift(); op; op = queue.shift()) {
					await run(op);
					completed();
				}
			}),
		);
		const late = await Promise.all(abandoned);
		for (const res of late) expect(res.status).toBe(201);
		// Once everything has settled, both kinds of read once more: they pin down where every write ended up.
		for (const w of WORKERS) {
			history.push(await apiRead(w, "final api read"), await edgeRead(w, "final edge read"));
		}

		// Every kind of operation really happened, and every read answered, so the check covers them all.
		for (const kind of WRITES) {
			expect(history.filter((op) => op.label.startsWith(`${kind} `)).length, kind).toBeGreaterThan(5);
		}
		expect(history.filter((op) => op.kind === "write" && op.return === null).length, "abandoned").toBeGreaterThan(0);
		const reads = history.filter((op) => op.kind === "read");
		expect(
			reads.filter((op) => !op.value).map((op) => op.label),
			"reads that failed",
		).toEqual([]);
		for (const w of WORKERS) {
			for (const via of ["api", "edge"]) {
				const seen = reads.filter((op) => op.worker === w && op.label.includes(`${via} read`)).length;
				expect(seen, `${via} reads of ${w}`).toBeGreaterThanOrEqual(8);
			}
		}

		const started = Date.now();
		expect(checkLinearizable(history, initial)).toEqual([]);
		const count = (f: (op: Operation) => boolean) => history.filter(f).length;
		console.log(
			`linearizable: ${count((op) => op.kind === "write")} writes (${count((op) => op.return === null)} abandoned), ` +
				`${count((op) => op.label.includes("api read"))} API reads, ${count((op) => op.label.includes("edge read"))} edge reads; ` +
				`checked in ${Date.now() - started} ms`,
		);

		for (const worker of WORKERS) {
			// Abandoned deploys all landed (checked above), so every write is in the log once.
			const writes = history.filter((op) => op.worker === worker && op.kind === "write").length;
			const count = await env.DB.prepare("SELECT count(*) AS n FROM deployments WHERE worker = ?1")
				.bind(worker)
				.first("n");
			expect(count).toBe((initial[worker]?.number ?? 0) + writes);
			expect(await checkWorkerInvariants(env, worker)).toEqual([]);
		}
	});
});

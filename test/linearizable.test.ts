import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWorkerInvariants } from "../src/audit/invariants";
import { api, deploy, json, uploadForm, workerSource } from "./helpers";
import { checkHistory, type OpRecord } from "./history-checker";

const WORKERS = ["lin-a", "lin-b", "lin-c", "lin-d", "lin-e"];
const OPERATIONS = 240;
const CLIENTS = 12;

type Kind = "deploy" | "upload-then-deploy" | "redeploy-old" | "rollback" | "settings" | "read";

/** A small deterministic generator so a failing history can be replayed. */
function random(seed: number) {
	let state = seed;
	return () => {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

describe("the active pointer under concurrent clients", () => {
	it("a history of 240 deploys, rollbacks, settings changes and reads over 5 Workers is linearizable", {
		timeout: 60_000,
	}, async () => {
		const initial: Record<string, number> = {};
		const versionsOf: Record<string, string[]> = {};
		for (const w of WORKERS) {
			const { version } = await deploy(w);
			initial[w] = 1;
			versionsOf[w] = [version.id];
		}
		const next = random(20261130);
		const kinds: Kind[] = ["deploy", "upload-then-deploy", "redeploy-old", "rollback", "settings", "read", "read"];
		const plan = Array.from({ length: OPERATIONS }, (_, i) => ({
			i,
			worker: WORKERS[Math.floor(next() * WORKERS.length)] as string,
			kind: kinds[Math.floor(next() * kinds.length)] as Kind,
			pick: next(),
		}));

		const history: OpRecord[] = [];
		const run = async (op: (typeof plan)[number]) => {
			const { worker, kind, i } = op;
			if (kind === "read") {
				const start = Date.now();
				const res = await api(`/v1/workers/${worker}/deployments/active`);
				const body = res.ok ? await json(res) : null;
				history.push({ worker, kind: "read", start, end: Date.now(), ok: res.ok, number: body?.number, id: body?.id });
				return;
			}
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
			const start = Date.now();
			const res = await request(kind, worker, i, versionId);
			const end = Date.now();
			// A rollback, or a deployment of an older version (which is one), may be refused (the target is
			// already active, or outside the window): a clean refusal that must change nothing. Everything else
			// must succeed.
			if ((kind === "rollback" || kind === "redeploy-old") && res.status === 422) {
				history.push({ worker, kind: "write", op: kind, start, end, ok: false });
				return;
			}
			expect(res.status).toBe(201);
			const body = await json(res);
			const deployment = kind === "redeploy-old" || kind === "upload-then-deploy" ? body : body.deployment;
			if (body.version?.id) versionsOf[worker]?.push(body.version.id);
			history.push({
				worker,
				kind: "write",
				op: kind,
				start,
				end,
				ok: true,
				number: deployment.number,
				id: deployment.id,
			});
		};

		const request = (kind: Kind, worker: string, i: number, versionId?: string) => {
			switch (kind) {
				case "deploy":
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
				for (let op = queue.shift(); op; op = queue.shift()) await run(op);
			}),
		);

		expect(history).toHaveLength(OPERATIONS);
		// Every kind of change really happened, so the check covers them all.
		for (const kind of ["deploy", "upload-then-deploy", "redeploy-old", "rollback", "settings"]) {
			expect(history.filter((op) => op.op === kind && op.ok).length, kind).toBeGreaterThan(5);
		}
		expect(checkHistory(history, initial)).toEqual([]);
		for (const worker of WORKERS) {
			const writes = history.filter((op) => op.worker === worker && op.kind === "write" && op.ok).length;
			const count = await env.DB.prepare("SELECT count(*) AS n FROM deployments WHERE worker = ?1")
				.bind(worker)
				.first("n");
			expect(count).toBe((initial[worker] ?? 0) + writes);
			expect(await checkWorkerInvariants(env, worker)).toEqual([]);
		}
	});

	it("the checker catches a stale read and a write numbered against real time", () => {
		const stale = checkHistory(
			[
				{ worker: "w", kind: "write", start: 0, end: 1, ok: true, number: 2, id: "b" },
				{ worker: "w", kind: "read", start: 5, end: 6, ok: true, number: 1, id: "a" },
			],
			{ w: 1 },
		);
		expect(stale.join()).toContain("saw #1");
		const reordered = checkHistory(
			[
				{ worker: "w", kind: "write", start: 0, end: 1, ok: true, number: 3, id: "c" },
				{ worker: "w", kind: "write", start: 2, end: 3, ok: true, number: 2, id: "b" },
			],
			{ w: 1 },
		);
		expect(reordered.join()).toContain("finished before");
		const gap = checkHistory([{ worker: "w", kind: "write", start: 0, end: 1, ok: true, number: 4, id: "d" }], {
			w: 1,
		});
		expect(gap.join()).toContain("are not 2");
	});
});

import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { moduleKey } from "../../src/storage/modules";
import { auditNow, openFindings } from "../fixtures/audit";
import { deploy, workerSource } from "../helpers";

/**
 * The integrity check reads a slice of the bodies per run, so that every body is read within the configured
 * period; a run closes findings only about the bodies its slice read. This file owns its storage: three bodies.
 */

const oneAtATime = { SHIPLOG_AUDIT_INTEGRITY_MIN_SLICE: "1", SHIPLOG_AUDIT_INTEGRITY_PERIOD_HOURS: "100000" };

it("walks the bodies a slice per run, and closes only findings about the bodies it read", async () => {
	const shas: string[] = [];
	const bodies = new Map<string, string>();
	for (const name of ["sl-a", "sl-b", "sl-c"]) {
		const text = workerSource(`slice ${name}`);
		const sha = (await deploy(name, { modules: [{ name: "index.js", body: text }] })).version.modules[0]?.sha256 ?? "";
		shas.push(sha);
		bodies.set(sha, text);
	}
	shas.sort();
	for (const sha of shas) await env.MODULES.delete(moduleKey(sha));

	const broken = async () => (await openFindings()).filter((f) => f.check_name === "integrity").map((f) => f.subject);
	for (let run = 1; run <= 3; run++) {
		const done = await auditNow({ vars: oneAtATime });
		expect(done.counts.integrity).toMatchObject({ slice: 1, checked: 1, bodies: 3 });
		expect((await broken()).sort()).toEqual(shas.slice(0, run).map((s) => `module:${s}`));
	}

	// Every body is back; each run reads one and closes only the finding about that one.
	for (const sha of shas) await env.MODULES.put(moduleKey(sha), bodies.get(sha) ?? "", { sha256: sha });
	await auditNow({ vars: oneAtATime });
	expect((await broken()).sort()).toEqual(shas.slice(1).map((s) => `module:${s}`));
	await auditNow({ vars: oneAtATime });
	expect(await broken()).toEqual([`module:${shas[2]}`]);
	await auditNow({ vars: oneAtATime });
	expect(await broken()).toEqual([]);
});

it("sizes the slice so that every body is read within SHIPLOG_AUDIT_INTEGRITY_PERIOD_HOURS runs", async () => {
	const vars = { SHIPLOG_AUDIT_INTEGRITY_MIN_SLICE: "1", SHIPLOG_AUDIT_INTEGRITY_PERIOD_HOURS: "2" };
	const first = await auditNow({ vars });
	expect(first.counts.integrity).toMatchObject({ bodies: 3, slice: 2, checked: 2 });
	const second = await auditNow({ vars });
	expect(second.counts.integrity?.pass_completed_on).toBeDefined();
	// Small accounts: the default minimum slice reads every body in every run.
	const all = await auditNow();
	expect(all.counts.integrity).toMatchObject({ bodies: 3, slice: 3, checked: 3 });
});

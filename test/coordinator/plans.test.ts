import { describe, expect, it } from "vitest";
import type { UploadCommand } from "../../src/coordinator/commands";
import { planConfig } from "../../src/coordinator/plan-config";
import { planDeploy } from "../../src/coordinator/plan-deploy";
import { planRollback } from "../../src/coordinator/plan-rollback";
import { planUpload } from "../../src/coordinator/plan-upload";
import { sequentialIds } from "../../src/deps/test-deps";
import { commandFields } from "../fixtures/commands";
import { memoryLog } from "../fixtures/memory-log";
import { aDeployment, aVersion } from "../fixtures/models";

const W = "plans";
const policy = { window: 10, allow_d1: false };
const at = "2026-11-30T09:00:00.000Z";
const base = { ...commandFields(W), at };

const v = (n: number, extra = {}) => aVersion(W, n, extra);
const d = (n: number, versions: Parameters<typeof aDeployment>[2], extra = {}) => aDeployment(W, n, versions, extra);

function upload(extra: Partial<UploadCommand> = {}): UploadCommand {
	return {
		...base,
		deploy: true,
		secret_values: [],
		manifest: [],
		bindings_inherit: "strict",
		draft: {
			main_module: "index.js",
			bindings: [],
			compatibility_date: "2026-11-01",
			compatibility_flags: [],
			usage_model: null,
			migrations: null,
			keep_bindings: [],
			message: "ship",
			tag: null,
		},
		...extra,
	};
}

describe("planUpload", () => {
	it("makes the next version and deploys it at 100 %, at the command's time", async () => {
		const { state, log } = memoryLog(W, [v(1)], [d(1, "v-plans-1")]);
		const change = await planUpload(state, log, upload(), sequentialIds());
		expect(change.version).toMatchObject({ number: 2, created_on: at, message: "ship", triggered_by: "upload" });
		expect(change.deployment).toMatchObject({
			number: 2,
			created_on: at,
			versions: [{ version_id: change.version?.id, percentage: 100 }],
		});
	});

	it("an upload that does not deploy needs a deployed Worker, and may not carry migrations", async () => {
		const empty = memoryLog(W, [], []);
		await expect(planUpload(empty.state, empty.log, upload({ deploy: false }), sequentialIds())).rejects.toMatchObject({
			reason: "never_deployed",
		});
		const { state, log } = memoryLog(W, [v(1)], [d(1, "v-plans-1")]);
		const migrating = upload({ deploy: false });
		migrating.draft = { ...migrating.draft, migrations: { new_tag: "v1", new_classes: ["Room"] } };
		await expect(planUpload(state, log, migrating, sequentialIds())).rejects.toMatchObject({
			reason: "durable_object_migration_in_version_upload",
		});
	});

	it("keeps bindings of the types keep_bindings names, and refuses a binding to a deleted resource", async () => {
		const kv = { name: "KV", type: "kv_namespace" as const, namespace_id: "gone" };
		const { state, log } = memoryLog(W, [v(1, { bindings: [kv] })], [d(1, "v-plans-1")], {
			deleted: ["kv_namespace:gone"],
		});
		const keeping = upload();
		keeping.draft = { ...keeping.draft, keep_bindings: ["kv_namespace"] };
		await expect(planUpload(state, log, keeping, sequentialIds())).rejects.toMatchObject({
			reason: "resource_deleted",
		});
		const fresh = memoryLog(W, [v(1, { bindings: [kv] })], [d(1, "v-plans-1")]);
		const change = await planUpload(fresh.state, fresh.log, keeping, sequentialIds());
		expect(change.version?.bindings).toEqual([kv]);
	});
});

describe("planDeploy", () => {
	const versions = [v(1), v(2), v(3)];
	const history = [d(1, "v-plans-1"), d(2, "v-plans-2"), d(3, "v-plans-3")];
	const deploy = (split: { version_id: string; percentage: number }[]) => ({
		...base,
		message: null,
		triggered_by: "deployment" as const,
		versions: split,
		force: false,
		policy,
	});

	it("all traffic back to an older version is a rollback from the active deployment", async () => {
		const { state, log } = memoryLog(W, versions, history);
		const change = await planDeploy(
			state,
			log,
			deploy([{ version_id: "v-plans-1", percentage: 100 }]),
			sequentialIds(),
		);
		expect(change.deployment).toMatchObject({ number: 4, triggered_by: "rollback", rollback_from: "d-plans-3" });
	});

	it("a rollback this way meets the rollback rules", async () => {
		const { state, log } = memoryLog(W, versions, history);
		const narrow = {
			...deploy([{ version_id: "v-plans-1", percentage: 100 }]),
			policy: { window: 2, allow_d1: false },
		};
		await expect(planDeploy(state, log, narrow, sequentialIds())).rejects.toMatchObject({ reason: "rollback_refused" });
	});

	it("a version already serving part of the traffic is known to run: no rules, still a rollback", async () => {
		const split = [
			...history.slice(0, 2),
			d(3, [
				{ version_id: "v-plans-3", percentage: 10 },
				{ version_id: "v-plans-1", percentage: 90 },
			]),
		];
		const { state, log } = memoryLog(W, versions, split);
		const narrow = {
			...deploy([{ version_id: "v-plans-1", percentage: 100 }]),
			policy: { window: 1, allow_d1: false },
		};
		const change = await planDeploy(state, log, narrow, sequentialIds());
		expect(change.deployment).toMatchObject({ triggered_by: "rollback", rollback_from: "d-plans-3" });
	});

	it("a split, or the newest version at 100 %, is a plain deployment", async () => {
		const { state, log } = memoryLog(W, versions, history.slice(0, 2));
		const change = await planDeploy(
			state,
			log,
			deploy([
				{ version_id: "v-plans-3", percentage: 20 },
				{ version_id: "v-plans-2", percentage: 80 },
			]),
			sequentialIds(),
		);
		expect(change.deployment).toMatchObject({ triggered_by: "deployment", rollback_from: null });
	});

	it("names the versions the log does not have", async () => {
		const { state, log } = memoryLog(W, versions, history);
		await expect(
			planDeploy(state, log, deploy([{ version_id: "nope", percentage: 100 }]), sequentialIds()),
		).rejects.toMatchObject({ reason: "version_not_found", message: expect.stringContaining("nope") });
	});
});

describe("planRollback", () => {
	const rollback = (extra = {}) => ({ ...base, message: "oops", force: false, policy, ...extra });

	it("by default goes to the previous deployment that ran another version at 100 %", async () => {
		const history = [d(1, "v-plans-1"), d(2, "v-plans-2"), d(3, "v-plans-2", { id: "d-again" })];
		const { state, log } = memoryLog(W, [v(1), v(2)], history);
		const change = await planRollback(state, log, rollback(), sequentialIds());
		expect(change.result.target.id).toBe("v-plans-1");
		expect(change.deployment).toMatchObject({ triggered_by: "rollback", rollback_from: "d-again", message: "oops" });
	});

	it("a deployment that split traffic cannot name the target", async () => {
		const split = d(2, [
			{ version_id: "v-plans-2", percentage: 50 },
			{ version_id: "v-plans-1", percentage: 50 },
		]);
		const { state, log } = memoryLog(W, [v(1), v(2)], [d(1, "v-plans-1"), split, d(3, "v-plans-2")]);
		await expect(
			planRollback(state, log, rollback({ deployment_id: split.id }), sequentialIds()),
		).rejects.toMatchObject({
			reason: "split_deployment_target",
		});
	});

	it("refuses with every reason, and force overrides only changed secrets", async () => {
		const old = v(1, { bindings: [{ name: "S", type: "secret_text", secret_ref: "a" }] });
		const now = v(2, { bindings: [{ name: "S", type: "secret_text", secret_ref: "b" }] });
		const { state, log } = memoryLog(W, [old, now], [d(1, old.id), d(2, now.id)]);
		await expect(planRollback(state, log, rollback(), sequentialIds())).rejects.toMatchObject({
			details: { reasons: [expect.objectContaining({ code: "secrets_changed" })] },
		});
		const forced = await planRollback(state, log, rollback({ force: true }), sequentialIds());
		expect(forced.result.overridden.map((r) => r.code)).toEqual(["secrets_changed"]);
	});
});

describe("planConfig", () => {
	const settings = (patch = {}) => ({
		...base,
		message: null,
		deploy: true,
		change: { kind: "settings" as const, patch },
	});

	it("a change that changes nothing makes nothing", async () => {
		const { state, log } = memoryLog(W, [v(1, { usage_model: "standard" })], [d(1, "v-plans-1")]);
		const change = await planConfig(state, log, settings({ usage_model: "standard" }), sequentialIds());
		expect(change).toMatchObject({ version: null, deployment: null, result: { changed: false } });
	});

	it("copies the active version with the change and deploys it", async () => {
		const { state, log } = memoryLog(W, [v(1), v(2)], [d(1, "v-plans-1"), d(2, "v-plans-1", { id: "back" })]);
		const change = await planConfig(state, log, settings({ usage_model: "unbound" }), sequentialIds());
		expect(change.version).toMatchObject({ number: 3, usage_model: "unbound", triggered_by: "settings" });
		expect(change.result.active_deployment_id).toBe(change.deployment?.id);
	});

	it("a split has no one version to change", async () => {
		const split = d(2, [
			{ version_id: "v-plans-2", percentage: 50 },
			{ version_id: "v-plans-1", percentage: 50 },
		]);
		const { state, log } = memoryLog(W, [v(1), v(2)], [d(1, "v-plans-1"), split]);
		await expect(planConfig(state, log, settings({ usage_model: "unbound" }), sequentialIds())).rejects.toMatchObject({
			reason: "active_deployment_split",
		});
	});

	it("a secret put with the value it already has keeps its value and changes nothing", async () => {
		const secret = { name: "S", type: "secret_text" as const, secret_ref: "r1" };
		const { state, log } = memoryLog(W, [v(1, { bindings: [secret] })], [d(1, "v-plans-1")], { sameSecret: true });
		const value = { id: "r2", worker: W, name: "S", ciphertext: "c", iv: "i", created_on: at, key_id: null };
		const change = await planConfig(
			state,
			log,
			{ ...base, message: null, deploy: true, change: { kind: "secret_put", name: "S", value } },
			sequentialIds(),
		);
		expect(change).toMatchObject({ version: null, result: { changed: false } });
	});
});

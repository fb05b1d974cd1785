import { describe, expect, it } from "vitest";
import { chooseRollbackTarget, classifyDeployment, type TargetLookup } from "../../src/core/rollback-target";
import { aDeployment, aVersion } from "../fixtures/models";

const W = "target";
const lookup = (deployments: ReturnType<typeof aDeployment>[]): TargetLookup => ({
	deployment: async (id) => deployments.find((d) => d.id === id) ?? null,
	previousFullDeployment: async (before, exclude) =>
		[...deployments]
			.reverse()
			.find((d) => d.number < before && d.versions.length === 1 && d.versions[0]?.version_id !== exclude) ?? null,
});

describe("chooseRollbackTarget", () => {
	const history = [aDeployment(W, 1, "a"), aDeployment(W, 2, "b"), aDeployment(W, 3, "b", { id: "d3" })];
	const active = history[2] as ReturnType<typeof aDeployment>;

	it("takes the version named, or the one version of the deployment named", async () => {
		expect(await chooseRollbackTarget(W, { version_id: "x" }, active, lookup(history))).toBe("x");
		expect(await chooseRollbackTarget(W, { deployment_id: "d-target-1" }, active, lookup(history))).toBe("a");
	});

	it("by default skips deployments of the version serving now", async () => {
		expect(await chooseRollbackTarget(W, {}, active, lookup(history))).toBe("a");
	});

	it("says what to do when there is nothing to go back to", async () => {
		const only = [aDeployment(W, 1, "a")];
		await expect(chooseRollbackTarget(W, {}, only[0] as never, lookup(only))).rejects.toMatchObject({
			reason: "no_previous_deployment",
		});
		await expect(chooseRollbackTarget(W, { deployment_id: "nope" }, active, lookup(history))).rejects.toMatchObject({
			reason: "deployment_not_found",
		});
	});
});

describe("classifyDeployment: a deployment of an older version at 100 % is a rollback", () => {
	const [v1, v2, v3] = [aVersion(W, 1), aVersion(W, 2), aVersion(W, 3)];

	it("is a rollback, judged by the rules, when the target is older than what serves and not serving", () => {
		expect(classifyDeployment(v1, [v3])).toEqual({ rollback: true, check_rules: true });
	});

	it("is a rollback without the rules when the target already takes part of the traffic", () => {
		expect(classifyDeployment(v1, [v3, v1])).toEqual({ rollback: true, check_rules: false });
	});

	it("is no rollback for the newest version, a newer one, or a split", () => {
		expect(classifyDeployment(v3, [v2])).toEqual({ rollback: false });
		expect(classifyDeployment(v2, [v2])).toEqual({ rollback: false });
		expect(classifyDeployment(null, [v3])).toEqual({ rollback: false });
	});
});

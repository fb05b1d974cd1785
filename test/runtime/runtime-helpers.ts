import { deployCode, edge } from "../edge/edge-helpers";

/**
 * A scenario is a self-contained async function of a binding (it may use only its argument and globals), so the
 * very same code can run against a real binding in the test and inside a managed Worker through shiplog: the
 * Worker's source is the function's own text. It returns plain JSON, so the two runs can be compared.
 */
export type Scenario<B> = (binding: B) => Promise<unknown>;

/** Source of a managed Worker that runs `scenario` on `env[binding]` and answers its result as JSON. */
export function scenarioWorker(scenario: Scenario<never>, binding: string): string {
	return `
const scenario = ${scenario.toString()};
export default {
	async fetch(request, env) {
		return Response.json(await scenario(env[${JSON.stringify(binding)}]));
	},
};`;
}

/** Deploys a Worker running `scenario` on one binding, calls it through the edge and answers its JSON. */
export async function runScenario(
	worker: string,
	scenario: Scenario<never>,
	binding: Record<string, unknown> & { name: string; type: string },
): Promise<unknown> {
	await deployCode(worker, scenarioWorker(scenario, binding.name), { bindings: [binding] });
	const res = await edge(worker);
	if (res.status !== 200) throw new Error(`${worker} answered ${res.status}: ${await res.text()}`);
	return res.json();
}

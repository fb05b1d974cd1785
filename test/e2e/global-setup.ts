import type { TestProject } from "vitest/node";
import { type ShiplogInfo, startShiplog } from "./harness";

declare module "vitest" {
	export interface ProvidedContext {
		shiplog: ShiplogInfo;
	}
}

/** Starts shiplog once for the whole e2e run (wrangler dev takes seconds to start); files inject("shiplog"). */
export default async function setup(project: TestProject) {
	const shiplog = await startShiplog();
	project.provide("shiplog", {
		url: shiplog.url,
		token: shiplog.token,
		accountId: shiplog.accountId,
		slack: shiplog.slack,
	});
	return () => shiplog.stop();
}

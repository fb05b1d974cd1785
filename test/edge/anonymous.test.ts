import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json } from "../helpers";
import { deployCode, edge, reporter } from "./edge-helpers";

describe("anonymous callers of /w/*", () => {
	it("a name that is not valid percent-encoding is a 400, not a crash", async () => {
		const res = await exports.default.fetch(new Request("http://shiplog.test/w/%ZZ/"));
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain("percent-encoding");
	});

	it("requests for made-up names cost no storage: no coordinator is created for them", async () => {
		await deployCode("real-one", reporter("real"));
		const before = (await listDurableObjectIds(env.COORDINATOR)).map((id) => id.toString());
		for (const name of ["made-up-1", "made-up-2", "made-up-3"]) {
			expect((await edge(name)).status).toBe(404);
		}
		const after = (await listDurableObjectIds(env.COORDINATOR)).map((id) => id.toString());
		expect(after.sort()).toEqual(before.sort());
		expect(before).toContain(env.COORDINATOR.idFromName("real-one").toString());
	});
});

describe("one origin under path routing", () => {
	const setsCookie = `export default { fetch() {
		const headers = new Headers({ "content-type": "text/plain" });
		headers.append("set-cookie", "session=abc; Path=/");
		return new Response("cookie", { headers });
	} };`;

	it("removes Set-Cookie from /w/<name>/ answers, which every managed Worker shares, and says so", async () => {
		await deployCode("cookie-jar", setsCookie);
		const res = await edge("cookie-jar");
		expect(await res.text()).toBe("cookie");
		expect(res.headers.get("set-cookie")).toBeNull();
		expect(res.headers.get("shiplog-set-cookie")).toContain("host routing");
	});

	it("keeps Set-Cookie on the Worker's own host", async () => {
		await deployCode("cookie-host", setsCookie);
		const res = await exports.default.fetch(new Request("http://cookie-host.workers.test/"));
		expect(res.headers.get("set-cookie")).toBe("session=abc; Path=/");
	});
});

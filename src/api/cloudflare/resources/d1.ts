import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../../http/app-env";
import { resourceUsage } from "../../../runtime/resource-stores";
import { d1ImportIngest, d1ImportInit, d1Query } from "../../../services/d1-data";
import { liveResource } from "../../../services/resource-data";
import { addResource, deleteResource } from "../../../services/resource-service";
import { getLiveResourceByName, pageResources, type ResourceRecord } from "../../../storage/resources";
import { cloudflareContext } from "../context";
import { ok } from "../envelope";
import { jsonBody } from "../request";
import { forceOf, inTermsOf, paging, resourceGuard } from "./shared";

async function database(env: Env, r: ResourceRecord) {
	const { bytes } = await resourceUsage(env, "d1", r.id);
	return { uuid: r.id, name: r.name ?? r.id, created_at: r.created_on, version: "production", file_size: bytes };
}

/**
 * The database a path names: by uuid, or (as wrangler looks one up when its config has no id) by name, which
 * wrangler puts where the uuid goes.
 */
async function named(c: Context<AppEnv>): Promise<ResourceRecord> {
	const given = c.req.param("database_id") ?? "";
	return inTermsOf("d1", async () => {
		const byName = await getLiveResourceByName(c.env.DB, "d1", given);
		return byName ?? liveResource(c.env.DB, "d1", given);
	});
}

const Query = z.looseObject({
	sql: z.string().min(1).max(1_000_000),
	params: z
		.array(z.union([z.string(), z.number(), z.null()]))
		.max(100)
		.optional(),
});

const Import = z.discriminatedUnion("action", [
	z.looseObject({ action: z.literal("init"), etag: z.string() }),
	z.looseObject({ action: z.literal("ingest"), filename: z.string(), etag: z.string().optional() }),
	z.looseObject({ action: z.literal("poll"), current_bookmark: z.string().optional() }),
]);

/** `/accounts/:account_id/d1/database`: `wrangler d1 create|list|info|delete|execute|migrations apply`. */
export const d1Databases = new Hono<AppEnv>()
	.post("/", resourceGuard("resource.create"), async (c) => {
		const body = await jsonBody(c, z.looseObject({ name: z.string() }));
		const { record } = await inTermsOf("d1", () => addResource(cloudflareContext(c), { type: "d1", name: body.name }));
		return ok(c, { ...(await database(c.env, record)), created_in_region: "shiplog" });
	})
	// wrangler pages until a page holds fewer than per_page.
	.get("/", resourceGuard("resource.list"), async (c) => {
		const { page, per_page } = paging(c, { per_page: 10, max: 100 });
		const name = c.req.query("name");
		const items = await pageResources(c.env.DB, { type: "d1", page, per_page, name });
		const result = await Promise.all(items.map((r) => database(c.env, r)));
		return c.json({
			success: true,
			errors: [],
			messages: [],
			result,
			result_info: { page, per_page, count: result.length },
		});
	})
	.get("/:database_id", resourceGuard("resource.read"), async (c) => ok(c, await database(c.env, await named(c))))
	.delete("/:database_id", resourceGuard("resource.delete"), async (c) => {
		const record = await named(c);
		const force = forceOf(c);
		await inTermsOf("d1", () => deleteResource(cloudflareContext(c), { type: "d1", id: record.id }, { force }));
		return ok(c, null);
	})
	.post("/:database_id/query", resourceGuard("resource.data.write"), async (c) => {
		const record = await named(c);
		const body = await jsonBody(c, Query);
		return ok(c, await inTermsOf("d1", () => d1Query(c.env, record.id, body.sql, body.params ?? [])));
	})
	// `--file`: init answers where to upload; ingest runs the file; the poll that follows is already complete.
	.post("/:database_id/import", resourceGuard("resource.data.write"), async (c) => {
		const record = await named(c);
		const body = await jsonBody(c, Import);
		const now = c.var.deps.clock.now();
		if (body.action === "init") {
			return ok(c, await d1ImportInit(c.env, record.id, body.etag, new URL(c.req.url).origin, now));
		}
		if (body.action === "ingest") {
			return ok(c, await inTermsOf("d1", () => d1ImportIngest(c.env, record.id, body.filename, now)));
		}
		return ok(c, {
			success: true,
			status: "complete",
			at_bookmark: body.current_bookmark ?? "",
			messages: [],
			errors: [],
			result: { num_queries: 0, final_bookmark: body.current_bookmark ?? "", meta: { duration: 0 } },
		});
	});

import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../../../http/app-env";
import { liveResource, r2Delete, r2Get, r2Put } from "../../../services/resource-data";
import { addResource, deleteResource } from "../../../services/resource-service";
import { pageResources, type ResourceRecord } from "../../../storage/resources";
import { cloudflareContext } from "../context";
import { CF, CloudflareError, ok } from "../envelope";
import { jsonBody } from "../request";
import { forceOf, inTermsOf, pathTail, resourceGuard } from "./shared";

const bucket = (r: ResourceRecord) => ({ name: r.id, creation_date: r.created_on, location: "shiplog" });

const live = (c: Context<AppEnv>) =>
	inTermsOf("r2_bucket", () => liveResource(c.env.DB, "r2_bucket", c.req.param("bucket") ?? ""));

/** The object metadata wrangler sends as headers on `r2 object put`. */
const HTTP_METADATA: Record<string, string> = {
	"content-type": "contentType",
	"content-language": "contentLanguage",
	"content-disposition": "contentDisposition",
	"content-encoding": "contentEncoding",
	"cache-control": "cacheControl",
};

function httpMetadata(headers: Headers): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [header, field] of Object.entries(HTTP_METADATA)) {
		const value = headers.get(header);
		if (value !== null) out[field] = value;
	}
	return out;
}

const OBJECT = "/:bucket/objects/*";

/** `/accounts/:account_id/r2/buckets`: `wrangler r2 bucket …` and `wrangler r2 object … --remote`. */
export const r2Buckets = new Hono<AppEnv>()
	.post("/", resourceGuard("resource.create"), async (c) => {
		const body = await jsonBody(c, z.looseObject({ name: z.string() }));
		const { record } = await inTermsOf("r2_bucket", () =>
			addResource(cloudflareContext(c), { type: "r2_bucket", name: body.name }),
		);
		return ok(c, bucket(record));
	})
	// wrangler shows the first page only; shiplog answers up to 1000 buckets in one.
	.get("/", resourceGuard("resource.list"), async (c) => {
		const items = await pageResources(c.env.DB, { type: "r2_bucket", page: 1, per_page: 1000 });
		return ok(c, { buckets: items.map(bucket) });
	})
	// wrangler deploy's provisioning check: a missing bucket must be code 10006.
	.get("/:bucket", resourceGuard("resource.read"), async (c) => ok(c, bucket(await live(c))))
	.delete("/:bucket", resourceGuard("resource.delete"), async (c) => {
		const record = await live(c);
		const force = forceOf(c);
		await inTermsOf("r2_bucket", () =>
			deleteResource(cloudflareContext(c), { type: "r2_bucket", id: record.id }, { force }),
		);
		return ok(c, null);
	})
	.get(OBJECT, resourceGuard("resource.data.read"), async (c) => {
		const record = await live(c);
		const key = pathTail(c, "/objects/");
		const object = await inTermsOf("r2_bucket", () => r2Get(c.env, record.id, key));
		if (!object) throw new CloudflareError(10007, "The specified key does not exist.", 404);
		const headers = new Headers({ etag: object.httpEtag });
		object.writeHttpMetadata(headers);
		if (!headers.has("content-type")) headers.set("content-type", "application/octet-stream");
		return new Response(object.body, { headers });
	})
	// wrangler needs a body on success (a 204 fails), so both answer an envelope.
	.put(OBJECT, resourceGuard("resource.data.write"), async (c) => {
		const record = await live(c);
		const key = pathTail(c, "/objects/");
		if (key === "") throw new CloudflareError(CF.validation, "Name the object: /objects/<key>.");
		const written = await inTermsOf("r2_bucket", () =>
			r2Put(c.env, record.id, key, { body: c.req.raw.body, httpMetadata: httpMetadata(c.req.raw.headers) }),
		);
		return ok(c, { key, ...written });
	})
	.delete(OBJECT, resourceGuard("resource.data.write"), async (c) => {
		const record = await live(c);
		const key = pathTail(c, "/objects/");
		await inTermsOf("r2_bucket", () => r2Delete(c.env, record.id, key));
		return ok(c, {});
	});

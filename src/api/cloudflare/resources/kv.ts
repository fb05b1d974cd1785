import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { AppEnv } from "../../../http/app-env";
import { kvDelete, kvGet, kvList, kvPut, liveResource } from "../../../services/resource-data";
import { addResource, deleteResource } from "../../../services/resource-service";
import { pageResources, type ResourceRecord } from "../../../storage/resources";
import { cloudflareContext } from "../context";
import { CF, CloudflareError, ok } from "../envelope";
import { jsonBody } from "../request";
import { forceOf, inTermsOf, paging, pathTail, resourceGuard } from "./shared";

const namespace = (r: ResourceRecord) => ({
	id: r.id,
	title: r.name ?? r.id,
	supports_url_encoding: true,
	beta: false,
});

const KEY = "/:namespace_id/values/:key{.+}";

/** The value of a put: the raw body, or the `value` part of a multipart body with a `metadata` part. */
async function putInput(request: Request) {
	const type = request.headers.get("content-type") ?? "";
	if (!type.startsWith("multipart/form-data")) return { value: request.body };
	const form = await request.formData().catch(() => {
		throw new CloudflareError(CF.validation, "The multipart body could not be read.");
	});
	const value = form.get("value");
	const metadata = form.get("metadata");
	if (value === null) throw new CloudflareError(CF.validation, "A multipart put needs a value part.");
	return {
		value: typeof value === "string" ? value : await value.arrayBuffer(),
		metadata: metadata === null ? undefined : typeof metadata === "string" ? metadata : await metadata.text(),
	};
}

/** `/accounts/:account_id/storage/kv/namespaces`: `wrangler kv namespace …` and `wrangler kv key … --remote`. */
export const kvNamespaces = new Hono<AppEnv>()
	.post("/", resourceGuard("resource.create"), async (c) => {
		const body = await jsonBody(c, z.looseObject({ title: z.string() }));
		const { record } = await inTermsOf("kv_namespace", () =>
			addResource(cloudflareContext(c), { type: "kv_namespace", name: body.title }),
		);
		return ok(c, namespace(record));
	})
	// The SDK pages until a page comes back empty, so `page` must be honoured.
	.get("/", resourceGuard("resource.list"), async (c) => {
		const { page, per_page } = paging(c, { per_page: 20, max: 1000 });
		const descending = c.req.query("direction") === "desc";
		const items = await pageResources(c.env.DB, { type: "kv_namespace", page, per_page, descending });
		return c.json({
			success: true,
			errors: [],
			messages: [],
			result: items.map(namespace),
			result_info: { page, per_page, count: items.length },
		});
	})
	.get("/:namespace_id", resourceGuard("resource.read"), async (c) => {
		const record = await inTermsOf("kv_namespace", () =>
			liveResource(c.env.DB, "kv_namespace", c.req.param("namespace_id")),
		);
		return ok(c, namespace(record));
	})
	.delete("/:namespace_id", resourceGuard("resource.delete"), async (c) => {
		const id = c.req.param("namespace_id");
		await inTermsOf("kv_namespace", async () => {
			await liveResource(c.env.DB, "kv_namespace", id);
			return deleteResource(cloudflareContext(c), { type: "kv_namespace", id }, { force: forceOf(c) });
		});
		return ok(c, null);
	})
	.get("/:namespace_id/keys", resourceGuard("resource.data.read"), async (c) => {
		const id = c.req.param("namespace_id");
		const page = await inTermsOf("kv_namespace", async () => {
			await liveResource(c.env.DB, "kv_namespace", id);
			const { prefix, cursor, limit } = c.req.query();
			return kvList(c.env, id, { prefix, cursor, limit });
		});
		return c.json({
			success: true,
			errors: [],
			messages: [],
			result: page.keys,
			result_info: { count: page.keys.length, cursor: page.cursor ?? "" },
		});
	})
	// The value itself, no envelope: wrangler writes the body out as it is.
	.get(KEY, resourceGuard("resource.data.read"), async (c) => {
		const id = c.req.param("namespace_id");
		const key = pathTail(c, "/values/");
		const value = await inTermsOf("kv_namespace", async () => {
			await liveResource(c.env.DB, "kv_namespace", id);
			return kvGet(c.env, id, key);
		});
		if (value === null) throw new CloudflareError(10009, `key not found: ${JSON.stringify(key)}`, 404);
		return new Response(value, { headers: { "content-type": "application/octet-stream" } });
	})
	.put(KEY, resourceGuard("resource.data.write"), async (c) => {
		const id = c.req.param("namespace_id");
		const key = pathTail(c, "/values/");
		await inTermsOf("kv_namespace", async () => {
			await liveResource(c.env.DB, "kv_namespace", id);
			const input = await putInput(c.req.raw);
			const { expiration, expiration_ttl } = c.req.query();
			await kvPut(c.env, id, key, { ...input, expiration, expiration_ttl });
		});
		return ok(c, {});
	})
	.delete(KEY, resourceGuard("resource.data.write"), async (c) => {
		const id = c.req.param("namespace_id");
		const key = pathTail(c, "/values/");
		await inTermsOf("kv_namespace", async () => {
			await liveResource(c.env.DB, "kv_namespace", id);
			await kvDelete(c.env, id, key);
		});
		return ok(c, {});
	});

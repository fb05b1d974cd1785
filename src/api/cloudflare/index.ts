import { Hono } from "hono";
import { accessControl } from "../../auth/access-control";
import { guard } from "../../auth/route-policy";
import type { AppEnv } from "../../http/app-env";
import { account } from "./account";
import { requireAccount } from "./context";
import { cloudflareOnError, unsupported } from "./envelope";
import { d1Databases } from "./resources/d1";
import { kvNamespaces } from "./resources/kv";
import { queues } from "./resources/queues";
import { r2Buckets } from "./resources/r2";
import { resourceGuard } from "./resources/shared";
import { scripts } from "./scripts";

/**
 * The Cloudflare-compatible API (mounted at /client/v4) that the real wrangler CLI talks to. A second
 * adapter over the same services and coordinator as /v1: it translates shapes and error codes, and
 * decides nothing itself.
 */
export const cloudflare = new Hono<AppEnv>();
cloudflare.onError(cloudflareOnError);
cloudflare.use("*", accessControl("wrangler"));
cloudflare.use("/accounts/:account_id/*", requireAccount);
cloudflare.route("/accounts/:account_id/workers/scripts", scripts);
cloudflare.route("/accounts/:account_id/workers", account);
cloudflare.route("/accounts/:account_id/storage/kv/namespaces", kvNamespaces);
cloudflare.route("/accounts/:account_id/d1/database", d1Databases);
cloudflare.route("/accounts/:account_id/r2/buckets", r2Buckets);
cloudflare.route("/accounts/:account_id/queues", queues);
// `wrangler d1 info` asks for a database's analytics; shiplog has none, and wrangler shows zeros for null.
cloudflare.post("/graphql", resourceGuard("resource.read"), (c) => c.json({ data: null }));
// Everything else shiplog does not support still answers in Cloudflare's envelope, never with a crash.
cloudflare.all("*", guard({ scope: null, on: "some", action: "request" }), unsupported);

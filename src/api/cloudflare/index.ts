import { Hono } from "hono";
import { accessControl } from "../../auth/access-control";
import { guard } from "../../auth/route-policy";
import type { AppEnv } from "../../http/app-env";
import { account } from "./account";
import { requireAccount } from "./context";
import { cloudflareOnError, unsupported } from "./envelope";
import { queueConsumers } from "./queue-consumers";
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
cloudflare.route("/accounts/:account_id/queues/:queue_id/consumers", queueConsumers);
// Everything else shiplog does not support still answers in Cloudflare's envelope, never with a crash.
cloudflare.all("*", guard({ scope: null, on: "some", action: "request" }), unsupported);

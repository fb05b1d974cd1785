import { OpenAPIHono } from "@hono/zod-openapi";
import { requireToken } from "../../auth/bearer";
import type { AppEnv } from "../../http/app-env";
import { validationHook } from "../../http/errors";
import { deploymentsRouter } from "./deployments";
import { healthRouter } from "./health";
import { versionsRouter } from "./versions";
import { workersRouter } from "./workers";

export const v1 = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
v1.use("*", requireToken);
v1.route("/workers", workersRouter);
v1.route("/workers", versionsRouter);
v1.route("/workers", deploymentsRouter);
v1.route("/workers", healthRouter);

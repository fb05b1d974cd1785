import { createMiddleware } from "hono/factory";
import type { Deps } from "../deps/deps";
import type { AppEnv } from "./app-env";

/** Puts the clock and id source in `c.var.deps` for everything after it (tests hand in their own). */
export const provideDeps = (deps: Deps) =>
	createMiddleware<AppEnv>(async (c, next) => {
		c.set("deps", deps);
		await next();
	});

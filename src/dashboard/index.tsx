import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../errors/api-error";
import { reasonOf } from "../errors/reasons";
import type { AppEnv } from "../http/app-env";
import { requireCsrfToken } from "./form";
import { dashboardHeaders } from "./headers";
import { layout } from "./layout";
import { auditPages } from "./pages/audits";
import { deploymentPage } from "./pages/deployment";
import { diffPage } from "./pages/diff";
import { rollbackPages } from "./pages/rollback";
import { rolloutPages } from "./pages/rollout";
import { signInPages, signOutPage } from "./pages/sign-in";
import { versionPages } from "./pages/version";
import { workerPages } from "./pages/worker";
import { workersPage } from "./pages/workers";
import { recordDashboardRefusal } from "./refusals";
import { resumeSession, SESSION_COOKIE } from "./session";
import { STYLESHEET } from "./styles";

/** Pages past sign-in: a live session or a redirect to the sign-in form. */
const requireSession = createMiddleware<AppEnv>(async (c, next) => {
	const session = await resumeSession(c.env, c.var.deps, getCookie(c, SESSION_COOKIE));
	if (!session) return c.redirect("/dashboard/sign-in", 303);
	c.set("session", session);
	c.set("principal", session.principal);
	await next();
});

function ErrorPage(props: { status: number; message: string; reason?: string }) {
	const title =
		props.status === 403
			? "Not allowed"
			: props.status === 404
				? "Not found"
				: `Something went wrong (${props.status})`;
	return (
		<section>
			<h1>{title}</h1>
			<p role="alert" class="panel error" data-reason={props.reason}>
				{props.message}
			</p>
			<p>
				<a href="/dashboard">Back to Workers</a>
			</p>
		</section>
	);
}

/** Errors become pages, refusals of a signed-in person are written to the audit log like the API's. */
async function errorPage(err: Error, c: Context<AppEnv>) {
	let error: ApiError;
	if (err instanceof ApiError) error = err;
	else if (err instanceof HTTPException && err.status === 403) {
		// hono/csrf: a form posted from another origin (or from a sandboxed /w/* page, whose origin is opaque).
		error = ApiError.because("forbidden", "csrf_failed", "This form was not sent from the dashboard's own pages.");
	} else if (err instanceof HTTPException && err.status < 500) error = new ApiError("invalid_request", err.message);
	else {
		console.error(JSON.stringify({ at: "dashboard", request_id: c.var.requestId, error: String(err?.stack ?? err) }));
		error = new ApiError(
			"internal_error",
			`shiplog failed to show this page; it has been logged (request ${c.var.requestId}).`,
		);
	}
	await recordDashboardRefusal(c, error);
	c.status(error.status);
	return c.render(<ErrorPage status={error.status} message={error.message} reason={reasonOf(error.details)} />, {
		title: "Error",
	});
}

export const dashboard = new Hono<AppEnv>();
dashboard.use("*", dashboardHeaders);
dashboard.use("*", layout);
dashboard.use("*", async (c, next) => {
	c.set("surface", "dashboard");
	await next();
});
dashboard.onError(errorPage);
dashboard.get("/assets/app.css", (c) => {
	c.header("content-type", "text/css; charset=utf-8");
	return c.body(STYLESHEET);
});
dashboard.use("*", csrf());
dashboard.route("/", signInPages);
dashboard.use("*", requireSession);
dashboard.use("*", requireCsrfToken);
dashboard.route("/", signOutPage);
dashboard.route("/", workersPage);
dashboard.route("/", workerPages);
dashboard.route("/", deploymentPage);
dashboard.route("/", versionPages);
dashboard.route("/", diffPage);
dashboard.route("/", rollbackPages);
dashboard.route("/", rolloutPages);
dashboard.route("/", auditPages);
dashboard.all("*", (c) => {
	throw new ApiError("not_found", `There is no dashboard page at ${c.req.path}.`);
});

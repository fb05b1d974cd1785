import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { actorOf, auditEntry, recordAudit, recordRefusal } from "../../audit-log/record";
import { ApiError } from "../../errors/api-error";
import type { AppEnv } from "../../http/app-env";
import { countSignInFailure, signInFailures } from "../../storage/sessions";
import { field, readForm } from "../form";
import {
	closeSession,
	openSession,
	resumeSession,
	SESSION_COOKIE,
	SESSION_MAX_AGE_SECONDS,
	verifySignInToken,
} from "../session";

/** A shiplog token is 40 characters; an admin token may be longer, but nothing pasted is longer than this. */
export const MAX_TOKEN_CHARS = 512;
/** Failed sign-ins allowed per client (IP) and window before the form stops checking tokens for a while. */
export const SIGN_IN_FAILURES_PER_WINDOW = 10;
export const SIGN_IN_WINDOW_MS = 10 * 60 * 1000;

const FAILED =
	"That token did not work. Check that you pasted the whole token and that it has not expired or been revoked.";

function SignInForm(props: { error?: string; status?: string }) {
	return (
		<section aria-labelledby="sign-in-title" class="panel">
			<h1 id="sign-in-title">Sign in to shiplog</h1>
			{props.status && (
				<p role="status" class="panel notice">
					{props.status}
				</p>
			)}
			{props.error && (
				<p role="alert" class="panel error" id="sign-in-error">
					{props.error}
				</p>
			)}
			<form method="post" action="/dashboard/sign-in">
				<label for="token">shiplog token</label>
				<input
					type="password"
					id="token"
					name="token"
					required
					autocomplete="off"
					maxlength={MAX_TOKEN_CHARS}
					aria-describedby={props.error ? "token-help sign-in-error" : "token-help"}
				/>
				<p id="token-help" class="muted">
					An API token (shl_…) from <code>POST /v1/tokens</code>. You can do here what the token may do; the token is
					not stored in your browser.
				</p>
				<button type="submit">Sign in</button>
			</form>
		</section>
	);
}

const clientOf = (c: { req: { header(name: string): string | undefined } }) =>
	(c.req.header("cf-connecting-ip") ?? "unknown").slice(0, 64);

const secure = (url: string) => new URL(url).protocol === "https:";

export const signInPages = new Hono<AppEnv>()
	.get("/sign-in", async (c) => {
		if (await resumeSession(c.env, c.var.deps, getCookie(c, SESSION_COOKIE))) return c.redirect("/dashboard", 303);
		const status = c.req.query("signed-out") !== undefined ? "You are signed out." : undefined;
		return c.render(<SignInForm status={status} />, { title: "Sign in" });
	})
	.post("/sign-in", async (c) => {
		const { deps } = c.var;
		const client = clientOf(c);
		const now = deps.clock.now().getTime();
		const window = now - (now % SIGN_IN_WINDOW_MS);
		if ((await signInFailures(c.env.DB, client, window)) >= SIGN_IN_FAILURES_PER_WINDOW) {
			const minutes = Math.ceil((window + SIGN_IN_WINDOW_MS - now) / 60_000);
			c.status(429);
			c.header("Retry-After", String(Math.ceil((window + SIGN_IN_WINDOW_MS - now) / 1000)));
			return c.render(
				<SignInForm error={`Too many failed sign-ins from your network. Try again in ${minutes} minutes.`} />,
				{ title: "Sign in" },
			);
		}
		const form = await readForm(c);
		let token = "";
		try {
			token = field(form, "token", MAX_TOKEN_CHARS);
		} catch {
			token = "";
		}
		const credential = token ? await verifySignInToken(c.env, deps, token) : null;
		if (!credential) {
			await countSignInFailure(c.env.DB, client, window);
			await recordRefusal(c.env.DB, deps, actorOf(null, "dashboard", c.var.requestId), {
				action: "session.create",
				refusal: { status: 401, message: "Dashboard sign-in with a token that did not work.", code: "unauthorized" },
			});
			c.status(401);
			return c.render(<SignInForm error={FAILED} />, { title: "Sign in" });
		}
		const id = await openSession(c.env.DB, deps, credential);
		setCookie(c, SESSION_COOKIE, id, {
			path: "/dashboard",
			httpOnly: true,
			secure: secure(c.req.url),
			sameSite: "Strict",
			maxAge: SESSION_MAX_AGE_SECONDS,
		});
		const session = await resumeSession(c.env, deps, id);
		if (session) {
			await recordAudit(
				c.env.DB,
				auditEntry(deps, actorOf(session.principal, "dashboard", c.var.requestId), {
					action: "session.create",
					outcome: "success",
				}),
			);
		}
		return c.redirect("/dashboard", 303);
	});

/** Ends the session (its row is deleted, so the cookie is worthless even if kept). */
export const signOutPage = new Hono<AppEnv>().post("/sign-out", async (c) => {
	const session = c.var.session;
	if (!session) throw new ApiError("unauthorized", "You are not signed in.");
	await closeSession(c.env.DB, session.idHash);
	await recordAudit(
		c.env.DB,
		auditEntry(c.var.deps, actorOf(session.principal, "dashboard", c.var.requestId), {
			action: "session.delete",
			outcome: "success",
		}),
	);
	deleteCookie(c, SESSION_COOKIE, { path: "/dashboard", secure: secure(c.req.url) });
	return c.redirect("/dashboard/sign-in?signed-out", 303);
});

import { jsxRenderer, useRequestContext } from "hono/jsx-renderer";
import type { AppEnv } from "../http/app-env";

/** What every page hands the layout: `c.render(<Page />, { title })`. */
type PageRenderer = (content: string | Promise<string>, props: { title: string }) => Response | Promise<Response>;

declare module "hono" {
	interface ContextRenderer extends PageRenderer {}
}

/** The hidden field every form that changes something carries: the session's CSRF token. */
export function CsrfField() {
	const c = useRequestContext<AppEnv>();
	return <input type="hidden" name="csrf" value={c.var.session?.csrf ?? ""} />;
}

function Header() {
	const c = useRequestContext<AppEnv>();
	const session = c.var.session;
	return (
		<header class="top">
			<a href="/dashboard">
				<strong>shiplog</strong>
			</a>
			{session && (
				<nav aria-label="Main">
					<ul>
						<li>
							<a href="/dashboard">Workers</a>
						</li>
						<li>
							<a href="/dashboard/audits">Audits</a>
						</li>
						<li>
							<a href="/dashboard/audit-log">Audit log</a>
						</li>
					</ul>
				</nav>
			)}
			{session && (
				<div class="who">
					<span>
						Signed in as <strong>{session.principal.email}</strong>
						{session.principal.token_prefix && <span class="mono"> ({session.principal.token_prefix}…)</span>}
					</span>
					<form method="post" action="/dashboard/sign-out">
						<CsrfField />
						<button type="submit">Sign out</button>
					</form>
				</div>
			)}
		</header>
	);
}

export const layout = jsxRenderer(
	({ children, title }) => (
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<meta name="referrer" content="same-origin" />
				<title>{`${title} · shiplog`}</title>
				<link rel="stylesheet" href="/dashboard/assets/app.css" />
			</head>
			<body>
				<a class="skip" href="#main">
					Skip to content
				</a>
				<Header />
				<main id="main">{children}</main>
			</body>
		</html>
	),
	{ docType: true },
);

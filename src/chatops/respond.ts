import type { Followup } from "./blocks";

const SLACK_HOSTS = new Set(["hooks.slack.com", "hooks.slack-gov.com"]);
const TIMEOUT_MS = 10_000;

/**
 * Whether shiplog posts to this response_url: Slack's own hooks over https, or an origin listed in
 * SHIPLOG_SLACK_RESPONSE_ORIGINS (for a local test double). Requests are signed, so this is a second fence:
 * a leaked signing secret still cannot make shiplog post anywhere else.
 */
export function responseUrlAllowed(env: Pick<Env, "SHIPLOG_SLACK_RESPONSE_ORIGINS">, raw: string): boolean {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return false;
	}
	if (url.username || url.password) return false;
	if (url.protocol === "https:" && SLACK_HOSTS.has(url.hostname)) return true;
	const extra = (env.SHIPLOG_SLACK_RESPONSE_ORIGINS ?? "")
		.split(",")
		.map((o) => o.trim())
		.filter(Boolean);
	return extra.includes(url.origin);
}

/** Posts a follow-up to Slack's response_url (valid for 30 minutes, five posts). Never follows a redirect. */
export async function respond(
	env: Pick<Env, "SHIPLOG_SLACK_RESPONSE_ORIGINS">,
	url: string,
	message: Followup,
): Promise<void> {
	if (!responseUrlAllowed(env, url)) {
		console.warn(JSON.stringify({ at: "chatops.respond", error: "response_url not allowed", host: safeHost(url) }));
		return;
	}
	try {
		const response = await fetch(url, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify(message),
			redirect: "manual",
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
		await response.body?.cancel();
		if (!response.ok) console.warn(JSON.stringify({ at: "chatops.respond", status: response.status }));
	} catch (error) {
		console.warn(JSON.stringify({ at: "chatops.respond", error: String(error) }));
	}
}

function safeHost(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return "(invalid)";
	}
}

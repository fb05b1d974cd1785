// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; they are declared here for
// both the global Env and Cloudflare.Env that the generated types define.
interface ShiplogSecrets {
	/** Bearer token with full access to the native API. Unset: shiplog refuses every request. */
	SHIPLOG_ADMIN_TOKEN?: string;
	/** Base64 of a 32-byte AES-GCM key that encrypts managed Workers' secret values at rest (the current key). */
	SHIPLOG_SECRETS_KEY?: string;
	/** Earlier secrets keys, comma-separated base64: they only open values sealed before a rotation. */
	SHIPLOG_SECRETS_KEYS_RETIRED?: string;
	/** The Slack app's signing secret (Basic Information → App Credentials). Unset: /chatops/slack refuses everything. */
	SLACK_SIGNING_SECRET?: string;
}
interface Env extends ShiplogSecrets {}
declare namespace Cloudflare {
	interface Env extends ShiplogSecrets {}
}

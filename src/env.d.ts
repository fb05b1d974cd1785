// `npm run types` reads the secret names from .dev.vars.example, so worker-configuration.d.ts declares
// SHIPLOG_ADMIN_TOKEN (bearer token with full access to the native API; unset: shiplog refuses every request),
// SHIPLOG_SECRETS_KEY (base64 of the 32-byte AES-GCM key that encrypts managed Workers' secret values at rest) and
// SLACK_SIGNING_SECRET (the Slack app's signing secret; unset: /chatops/slack refuses everything).
// They are typed as always set, but a deployment can lack them: code that reads them checks (and tests unset them).
// The optional one is declared here, for both the global Env and Cloudflare.Env that the generated types define.
interface ShiplogOptionalSecrets {
	/** Earlier secrets keys, comma-separated base64: they only open values sealed before a rotation. */
	SHIPLOG_SECRETS_KEYS_RETIRED?: string;
}
interface Env extends ShiplogOptionalSecrets {}
declare namespace Cloudflare {
	interface Env extends ShiplogOptionalSecrets {}
}

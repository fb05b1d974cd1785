// The Workers test runtime provides node:crypto (nodejs_compat), but the project's tsconfig has no Node
// types; this declares the one function the webhook and Slack tests use as an independent signer.
declare module "node:crypto" {
	interface Hmac {
		update(data: string | Uint8Array): Hmac;
		digest(encoding: "base64" | "hex"): string;
	}
	export function createHmac(algorithm: "sha256", key: Uint8Array | string): Hmac;
}

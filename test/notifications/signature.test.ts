import { describe, expect, it } from "vitest";
import { newSigningSecret, signMessage } from "../../src/notifications/signature";

describe("Standard Webhooks signatures", () => {
	it("match the specification's own example (standard-webhooks libraries/javascript/src/webhook.test.ts)", async () => {
		const signature = await signMessage(
			"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			"msg_p5jXN8AQM9LWM0D4loKWxJek",
			1614265330,
			'{"test": 2432232314}',
		);
		expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	});

	it("change with the id, the timestamp and the body", async () => {
		const secret = newSigningSecret();
		const base = await signMessage(secret, "a", 1, "{}");
		expect(await signMessage(secret, "b", 1, "{}")).not.toBe(base);
		expect(await signMessage(secret, "a", 2, "{}")).not.toBe(base);
		expect(await signMessage(secret, "a", 1, "{ }")).not.toBe(base);
		expect(await signMessage(newSigningSecret(), "a", 1, "{}")).not.toBe(base);
	});

	it("secrets are whsec_ and 32 random bytes", () => {
		const secret = newSigningSecret();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		expect(atob(secret.slice(6))).toHaveLength(32);
		expect(newSigningSecret()).not.toBe(secret);
	});
});

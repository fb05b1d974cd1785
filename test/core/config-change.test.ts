import { describe, expect, it } from "vitest";
import { applyConfigPatch, checkSettingsPatch, secretPatch, type VersionConfig } from "../../src/core/config-change";

const base: VersionConfig = {
	bindings: [
		{ name: "GREETING", type: "plain_text", text: "hi" },
		{ name: "LIMITS", type: "json", json: { max: 1, min: 0 } },
		{ name: "TOKEN", type: "secret_text", secret_ref: "r1" },
	],
	usage_model: "standard",
	compatibility_date: "2026-10-01",
	compatibility_flags: ["nodejs_compat", "url_standard"],
};

describe("applyConfigPatch (change detection)", () => {
	it("reports nothing when the patch restates the current configuration", () => {
		const { changes } = applyConfigPatch(base, {
			bindings: {
				GREETING: { name: "GREETING", type: "plain_text", text: "hi" },
				LIMITS: { name: "LIMITS", type: "json", json: { min: 0, max: 1 } },
				MISSING: null,
			},
			usage_model: "standard",
			compatibility_date: "2026-10-01",
			compatibility_flags: ["url_standard", "nodejs_compat"],
		});
		expect(changes).toEqual([]);
	});

	it("reports each binding added, changed and removed, and each runtime setting changed", () => {
		const { config, changes } = applyConfigPatch(base, {
			bindings: {
				GREETING: { name: "GREETING", type: "plain_text", text: "hello" },
				LIMITS: null,
				CACHE: { name: "ignored", type: "kv_namespace", namespace_id: "ns" },
			},
			usage_model: "unbound",
			compatibility_date: "2026-11-01",
			compatibility_flags: ["nodejs_compat"],
		});
		expect(changes).toEqual([
			{ field: "binding", name: "GREETING", type: "plain_text", change: "changed" },
			{ field: "binding", name: "LIMITS", type: "json", change: "removed" },
			{ field: "binding", name: "CACHE", type: "kv_namespace", change: "added" },
			{ field: "usage_model", from: "standard", to: "unbound" },
			{ field: "compatibility_date", from: "2026-10-01", to: "2026-11-01" },
			{ field: "compatibility_flags", added: [], removed: ["url_standard"] },
		]);
		expect(config.bindings.map((b) => b.name)).toEqual(["GREETING", "TOKEN", "CACHE"]);
		expect(config.bindings.at(-1)).toMatchObject({ name: "CACHE" });
	});

	it("sees a secret as changed when its reference changes", () => {
		const { changes } = applyConfigPatch(
			base,
			secretPatch(base, "TOKEN", { name: "TOKEN", type: "secret_text", secret_ref: "r2" }),
		);
		expect(changes).toEqual([{ field: "binding", name: "TOKEN", type: "secret_text", change: "changed" }]);
	});
});

describe("settings and secret patches", () => {
	it("keeps secrets out of settings", () => {
		// The rule names the binding and its reason; each adapter words the way out (/v1 names its secrets route).
		expect(() => checkSettingsPatch(base, { bindings: { TOKEN: null } })).toThrow(
			expect.objectContaining({
				reason: "secret_in_settings",
				details: { reason: "secret_in_settings", binding: "TOKEN" },
			}),
		);
		expect(() =>
			checkSettingsPatch(base, { bindings: { NEW: { name: "NEW", type: "secret_text", text: "x" } } }),
		).toThrow(/is a secret/);
	});

	it("refuses a secret whose name another binding uses, and deleting a secret that is not there", () => {
		expect(() => secretPatch(base, "GREETING", { name: "GREETING", type: "secret_text", secret_ref: "x" })).toThrow(
			/already a plain_text binding/,
		);
		expect(() => secretPatch(base, "NOPE", null)).toThrow(/no secret called NOPE/);
	});
});

import { describe, expect, it } from "vitest";
import { cronMatches, parseCron } from "../../src/core/cron";
import { classesAfter, planClassChanges, refuseUnknownClasses } from "../../src/core/do-classes";

const live = [{ class_name: "Room", storage_id: "v1:Room" }];

describe("planClassChanges: a deploy's migrations over the Worker's classes", () => {
	it("applies steps in order: create, rename (same storage), delete", () => {
		const changes = planClassChanges(
			live,
			{
				new_tag: "v2",
				steps: [
					{ new_sqlite_classes: ["Chat"] },
					{ renamed_classes: [{ from: "Room", to: "Lobby" }] },
					{ deleted_classes: ["Chat"] },
				],
			},
			"v2",
		);
		expect(changes).toEqual([
			{ kind: "create", class_name: "Chat", storage_id: "v2:Chat" },
			{ kind: "rename", storage_id: "v1:Room", from: "Room", to: "Lobby" },
			{ kind: "delete", storage_id: "v2:Chat", class_name: "Chat" },
		]);
		expect(classesAfter(live, changes)).toEqual([{ class_name: "Lobby", storage_id: "v1:Room" }]);
	});

	it("refuses what does not fit, and bindings to classes without storage", () => {
		for (const migrations of [
			{ new_sqlite_classes: ["Room"] },
			{ deleted_classes: ["Nope"] },
			{ renamed_classes: [{ from: "Nope", to: "X" }] },
			{ renamed_classes: [{ from: "Room", to: "Room" }] },
			{ transferred_classes: [{ from: "A", from_script: "other", to: "B" }] },
		]) {
			expect(() => planClassChanges(live, migrations, "v2")).toThrow(/class|transferred/);
		}
		const binding = { name: "R", type: "durable_object_namespace" as const, class_name: "Gone" };
		expect(() => refuseUnknownClasses("w", [binding], live)).toThrow(/no storage/);
		expect(() => refuseUnknownClasses("w", [{ ...binding, script_name: "other" }], live)).not.toThrow();
	});
});

describe("cron expressions", () => {
	const at = (iso: string) => new Date(iso);
	it("matches fields, steps, ranges, lists and names, weekdays counted 1 = Sunday", () => {
		expect(cronMatches(parseCron("*/15 * * * *"), at("2026-12-02T10:30:00Z"))).toBe(true);
		expect(cronMatches(parseCron("*/15 * * * *"), at("2026-12-02T10:31:00Z"))).toBe(false);
		expect(cronMatches(parseCron("0 9-17/4 * * *"), at("2026-12-02T13:00:00Z"))).toBe(true);
		expect(cronMatches(parseCron("0 12 * * WED"), at("2026-12-02T12:00:00Z"))).toBe(true); // a Wednesday
		expect(cronMatches(parseCron("0 12 * * 4"), at("2026-12-02T12:00:00Z"))).toBe(true);
		expect(cronMatches(parseCron("0 12 * * 1,7"), at("2026-12-02T12:00:00Z"))).toBe(false);
		expect(cronMatches(parseCron("0 0 1 JAN,DEC *"), at("2026-12-01T00:00:00Z"))).toBe(true);
		// Both day fields restricted: either matches.
		expect(cronMatches(parseCron("0 0 15 * MON"), at("2026-12-07T00:00:00Z"))).toBe(true);
	});

	it("refuses what it cannot run, naming the field", () => {
		expect(() => parseCron("* * * *")).toThrow(/five fields/);
		expect(() => parseCron("60 * * * *")).toThrow(/minute/);
		expect(() => parseCron("0 0 L * *")).toThrow(/day of month/);
		expect(() => parseCron("0 0 * * 0")).toThrow(/day of week/);
		expect(() => parseCron("*/0 * * * *")).toThrow(/step/);
	});
});

import { ApiError } from "../errors/api-error";

/** A parsed cron expression: the values each field allows. */
export interface CronSpec {
	minutes: ReadonlySet<number>;
	hours: ReadonlySet<number>;
	days: ReadonlySet<number>;
	months: ReadonlySet<number>;
	/** 1 = Sunday … 7 = Saturday, as Cloudflare counts. */
	weekdays: ReadonlySet<number>;
	/** Day of month and day of week both restricted: either may match (standard cron). */
	either: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
	name: string;
	min: number;
	max: number;
	names?: string[];
}

const FIELDS: Field[] = [
	{ name: "minute", min: 0, max: 59 },
	{ name: "hour", min: 0, max: 23 },
	{ name: "day of month", min: 1, max: 31 },
	{ name: "month", min: 1, max: 12, names: MONTHS },
	{ name: "day of week", min: 1, max: 7, names: WEEKDAYS },
];

/** At most this many schedules per Worker (Cloudflare's limit on its paid plan is 5; shiplog is lenient). */
export const MAX_SCHEDULES = 10;

function invalid(cron: string, why: string): ApiError {
	return ApiError.because(
		"invalid_request",
		"invalid_cron",
		`Invalid cron expression ${JSON.stringify(cron)}: ${why}.`,
	);
}

/**
 * Parses a cron expression as Cloudflare takes them: five fields (minute, hour, day of month, month, day of week
 * 1-7 or SUN-SAT), each `*`, a value, a range `a-b`, a step `*\/n` or `a-b/n`, or a list of those. `L`, `W` and
 * `#` are not supported here (a clear 400 says so).
 */
export function parseCron(cron: string): CronSpec {
	const parts = cron.trim().split(/\s+/);
	if (parts.length !== 5) throw invalid(cron, "it needs five fields: minute hour day-of-month month day-of-week");
	const sets = parts.map((part, i) => parseField(cron, part, FIELDS[i] as Field));
	const [minutes, hours, days, months, weekdays] = sets as [
		Set<number>,
		Set<number>,
		Set<number>,
		Set<number>,
		Set<number>,
	];
	return { minutes, hours, days, months, weekdays, either: parts[2] !== "*" && parts[4] !== "*" };
}

function parseField(cron: string, part: string, field: Field): Set<number> {
	const out = new Set<number>();
	for (const item of part.split(",")) {
		const [range = "", stepText] = item.split("/");
		const step = stepText === undefined ? 1 : Number(stepText);
		if (!Number.isInteger(step) || step < 1)
			throw invalid(cron, `the ${field.name} step ${JSON.stringify(stepText)} is not a positive number`);
		let low = field.min;
		let high = field.max;
		if (range !== "*") {
			const [a = "", b] = range.split("-");
			low = value(cron, a, field);
			high = b === undefined ? (stepText === undefined ? low : field.max) : value(cron, b, field);
			if (high < low) throw invalid(cron, `the ${field.name} range ${range} runs backwards`);
		}
		for (let v = low; v <= high; v += step) out.add(v);
	}
	return out;
}

function value(cron: string, text: string, field: Field): number {
	const upper = text.toUpperCase();
	const named = field.names?.indexOf(upper) ?? -1;
	const n = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
	if (!Number.isInteger(n) || n < field.min || n > field.max) {
		throw invalid(
			cron,
			`${JSON.stringify(text)} is not a ${field.name} (${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ""})`,
		);
	}
	return n;
}

/** Whether a cron is due in the minute that contains `at` (UTC, as Cloudflare runs them). */
export function cronMatches(spec: CronSpec, at: Date): boolean {
	if (!spec.minutes.has(at.getUTCMinutes()) || !spec.hours.has(at.getUTCHours())) return false;
	if (!spec.months.has(at.getUTCMonth() + 1)) return false;
	const day = spec.days.has(at.getUTCDate());
	const weekday = spec.weekdays.has(at.getUTCDay() + 1);
	return spec.either ? day || weekday : day && weekday;
}

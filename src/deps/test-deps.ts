import type { Clock, Deps, Ids } from "./deps";

/** A clock that stands still until told to move: tests travel in time with `advance`. */
export class ManualClock implements Clock {
	private current: number;

	constructor(start: Date | string = "2026-11-30T12:00:00.000Z") {
		this.current = new Date(start).getTime();
	}

	now(): Date {
		return new Date(this.current);
	}

	advance(ms: number): void {
		this.current += ms;
	}
}

/** UUID-shaped ids that count up, so a test can predict them. */
export function sequentialIds(): Ids {
	let next = 0;
	return { uuid: () => `00000000-0000-4000-8000-${(++next).toString(16).padStart(12, "0")}` };
}

export function testDeps(start?: Date | string): Deps & { clock: ManualClock } {
	return { clock: new ManualClock(start), ids: sequentialIds() };
}

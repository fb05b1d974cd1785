/**
 * The services shiplog may want to swap: the clock and id generation. Built once per request by a
 * middleware (`c.var.deps`), so a test can move time without editing rows. The coordinator is handed the
 * request's time in each command (`at`), never reads the clock for what it records.
 */
export interface Clock {
	now(): Date;
}

export interface Ids {
	/** A new random id (a UUID, the shape every id in the API has). */
	uuid(): string;
}

export interface Deps {
	clock: Clock;
	ids: Ids;
}

export const systemDeps: Deps = {
	clock: { now: () => new Date() },
	ids: { uuid: () => crypto.randomUUID() },
};

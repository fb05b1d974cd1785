import { ApiError } from "../errors/api-error";

/** Cursors are opaque to clients; inside, they are the number that the next page starts below. */
export function encodeCursor(beforeNumber: number): string {
	return btoa(`n:${beforeNumber}`).replaceAll("=", "");
}

export function decodeCursor(cursor: string | undefined): number | undefined {
	if (cursor === undefined) return undefined;
	let decoded = "";
	try {
		decoded = atob(cursor);
	} catch {
		// fall through to the error below
	}
	const match = decoded.match(/^n:(\d{1,15})$/);
	if (!match) throw new ApiError("invalid_request", "cursor is not one that shiplog returned; start again without it.");
	return Number(match[1]);
}

export interface Page<T> {
	items: T[];
	next_cursor: string | null;
}

/** Rows were fetched with limit + 1 so that the extra one tells whether another page exists. */
export function toPage<T extends { number: number }>(rows: T[], limit: number): Page<T> {
	const items = rows.slice(0, limit);
	const last = items.at(-1);
	return {
		items,
		next_cursor: rows.length > limit && last ? encodeCursor(last.number) : null,
	};
}

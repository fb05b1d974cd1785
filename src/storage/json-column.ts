/** JSON columns are written by shiplog alone, so a parse failure means corruption and should be loud. */
export function parseColumn<T>(value: string, column: string): T {
	try {
		return JSON.parse(value) as T;
	} catch {
		throw new Error(`D1 column ${column} holds invalid JSON`);
	}
}

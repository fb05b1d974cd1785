import { BindingError } from "./outcome";
import type { Body } from "./read-bytes";

/**
 * Checks on what crosses into a binding. The shim always sends the right types, but a Worker's code can call a
 * stub's methods with anything, so a wrong type is the Worker's error (a TypeError), never shiplog's.
 */
export function stringArg(value: unknown, what: string): string {
	if (typeof value !== "string") throw new BindingError(`${what} must be a string.`, "TypeError");
	return value;
}

export function stringsArg(value: unknown, what: string): string[] {
	if (!Array.isArray(value)) throw new BindingError(`${what} must be an array of strings.`, "TypeError");
	return value.map((item) => stringArg(item, what));
}

export function bodyArg(value: unknown, what: string, allowNull: boolean): Body {
	if (value === null && allowNull) return null;
	if (typeof value === "string" || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
	if (value instanceof ReadableStream) return value;
	throw new BindingError(
		`${what} must be a string, an ArrayBuffer, an ArrayBufferView or a ReadableStream.`,
		"TypeError",
	);
}

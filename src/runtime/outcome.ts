/** The error classes a binding may ask the managed Worker's code to see (rebuilt by shim/outcome.shim.js). */
export type BindingErrorKind = "Error" | "TypeError" | "RangeError" | "SyntaxError";

export interface BindingErrorWire {
	name: BindingErrorKind;
	message: string;
	/** D1's errors carry the engine's message as their `cause`. */
	cause?: string;
	/** Set when a storage limit refused the call; such refusals are logged with who made them. */
	reason?: "storage_limit";
}

/**
 * What every RPC method of a binding or store answers: its value, or the error the managed Worker's code should
 * see, as data. A rejected RPC call loses the error's class and, in the test runtime, fails the run even when
 * awaited (workers-sdk #14736), so nothing on this surface throws across it.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: BindingErrorWire };

/** An error for the managed Worker's code, worded as the real binding words it. */
export class BindingError extends Error {
	constructor(
		message: string,
		readonly kind: BindingErrorKind = "Error",
		readonly causeMessage?: string,
		readonly reason?: "storage_limit",
	) {
		super(message);
		this.name = "BindingError";
	}

	toWire(): BindingErrorWire {
		const wire: BindingErrorWire = { name: this.kind, message: this.message };
		if (this.causeMessage !== undefined) wire.cause = this.causeMessage;
		if (this.reason !== undefined) wire.reason = this.reason;
		return wire;
	}
}

/**
 * Runs a binding or store operation and answers its outcome. A BindingError is the Worker's mistake and goes
 * back as it is (a refusal by a storage limit is logged too, when `logRefusals`: the binding logs them, since
 * it knows who was calling); anything else is shiplog's fault: logged, and answered with `internalMessage`
 * (which names the operation the way the binding would) so nothing about shiplog's insides leaks.
 */
export async function outcome<T>(
	run: () => T | Promise<T>,
	internalMessage: string,
	context: Record<string, unknown>,
	logRefusals = false,
): Promise<Outcome<T>> {
	try {
		return { ok: true, value: await run() };
	} catch (error) {
		if (error instanceof BindingError) {
			if (error.reason && logRefusals) {
				console.warn(JSON.stringify({ at: "runtime", refused: error.reason, ...context, message: error.message }));
			}
			return { ok: false, error: error.toWire() };
		}
		console.error(JSON.stringify({ at: "runtime", ...context, error: String(error) }));
		return { ok: false, error: { name: "Error", message: internalMessage } };
	}
}

/** The value of an outcome that crossed from a store to a binding; its error, as a BindingError, otherwise. */
export function settle<T>(result: Outcome<T>): T {
	if (result.ok) return result.value;
	throw new BindingError(result.error.message, result.error.name, result.error.cause, result.error.reason);
}

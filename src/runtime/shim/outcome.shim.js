// Shipped into every managed Worker that binds storage (see src/runtime/shim-modules.ts); runs there, not in
// shiplog. Bindings answer with errors as data (src/runtime/outcome.ts), because a rejected RPC call loses
// the error's class; this rebuilds the error the real binding would have thrown.

const KINDS = { Error, TypeError, RangeError, SyntaxError };

export function unwrap(outcome) {
	if (outcome.ok) return outcome.value;
	const { name, message, cause } = outcome.error;
	const Kind = KINDS[name] ?? Error;
	throw cause === undefined ? new Kind(message) : new Kind(message, { cause: new Error(cause) });
}

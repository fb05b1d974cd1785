// Shipped into managed Workers (see install.shim.js): puts a session in front of a binding stub. The binding's
// `session()` answers an RpcTarget that the resource's store object made for this binding
// (src/runtime/binding-session.ts; docs/runtime.md "Cost"), so the calls of one request of the Worker reach that
// object in one hop instead of passing through a binding entrypoint each.
//
// A session belongs to the request that opened it: used from another request, the runtime refuses the call on this
// side, before anything is sent ("Cannot perform I/O on behalf of a different request"). That refusal opens a new
// session for the calling request and makes the call again, so a write is never sent twice. The session is asked
// for together with the first call (promise pipelining), so opening one costs no round trip of its own.
//
// If the object was reset while a session was open (its code changed, it was evicted or broke), a call is refused
// by the runtime instead of answered. The Worker then gets the binding's own internal error
// (`internalError(method)`, worded as the binding words it when its call to the object fails) and the next call
// opens a new session. Such a call is not made again: it may have been a write that landed.

const OTHER_REQUEST = /different request/;

const isStream = (value) => value instanceof ReadableStream;

export function withSession(stub, internalError) {
	let session = null;
	const open = () => {
		session = stub.session();
		return session;
	};
	// The call was refused, not answered: shiplog's fault, worded as the binding words it; the next call opens anew.
	const failed = (tried, method) => {
		if (session === tried) session = null;
		return { ok: false, error: { name: "Error", message: internalError(method) } };
	};
	const call = async (method, args) => {
		// A stream cannot be sent twice, so a call that carries one goes straight to the binding.
		if (args.some(isStream)) return stub[method](...args);
		const current = session ?? open();
		try {
			return await current.call(method, args);
		} catch (error) {
			if (!OTHER_REQUEST.test(String(error?.message ?? error))) return failed(current, method);
		}
		const fresh = open();
		try {
			return await fresh.call(method, args);
		} catch {
			return failed(fresh, method);
		}
	};
	return new Proxy(
		{},
		{
			get(_, method) {
				if (typeof method !== "string" || method === "then") return undefined;
				return (...args) => call(method, args);
			},
		},
	);
}

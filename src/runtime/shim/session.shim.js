// Shipped into managed Workers (see install.shim.js): puts a session in front of a binding stub, so that the calls
// of one request of the Worker go through one binding instance (one request context and one Durable Object stub in
// shiplog) instead of a new one per call (src/runtime/binding-session.ts; docs/runtime.md "Cost").
//
// A session belongs to the request that opened it: used from another request, the runtime refuses the call on this
// side, before anything is sent ("Cannot perform I/O on behalf of a different request"). That refusal opens a new
// session for the calling request and makes the call again, so a write is never sent twice. The session is asked
// for together with the first call (promise pipelining), so opening one costs no round trip of its own.

const OTHER_REQUEST = /different request/;

const isStream = (value) => value instanceof ReadableStream;

export function withSession(stub) {
	let session = null;
	const open = () => {
		session = stub.session();
		return session;
	};
	const call = async (method, args) => {
		// A stream cannot be sent twice, so a call that carries one goes straight to the binding.
		if (args.some(isStream)) return stub[method](...args);
		const current = session ?? open();
		try {
			return await current.call(method, args);
		} catch (error) {
			if (!OTHER_REQUEST.test(String(error?.message ?? error))) throw error;
			return await open().call(method, args);
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

// Shipped into managed Workers that bind Durable Objects (see install.shim.js): a DurableObjectNamespace over the
// stub of src/runtime/do/do-binding.ts, and the patch that routes an object's alarms through its supervisor.
// It only adapts shapes; the binding checks ids and method names, since the Worker's code can reach the stub.
// The storage guard must be evaluated before the Worker's own modules (this module is, through install.shim.js).
import "./do-storage.shim.js";
import { unwrap } from "./outcome.shim.js";

// Must equal DO_ID_HEADER in src/runtime/do/do-binding.ts.
const ID_HEADER = "shiplog-do-id";

const ROUND = new Uint32Array(64);
const INITIAL = new Uint32Array(8);
{
	// The SHA-256 constants: fractional parts of the square and cube roots of the first primes.
	const primes = [];
	for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
	const frac = (x) => ((x - Math.floor(x)) * 2 ** 32) >>> 0;
	primes.forEach((p, i) => {
		ROUND[i] = frac(Math.cbrt(p));
		if (i < 8) INITIAL[i] = frac(Math.sqrt(p));
	});
}

/** SHA-256 as hex, synchronously: idFromName() must answer at once, and crypto.subtle is asynchronous. */
export function sha256Hex(text) {
	const bytes = new TextEncoder().encode(text);
	const length = Math.ceil((bytes.length + 9) / 64) * 64;
	const block = new Uint8Array(length);
	block.set(bytes);
	block[bytes.length] = 0x80;
	const view = new DataView(block.buffer);
	view.setUint32(length - 8, Math.floor((bytes.length * 8) / 2 ** 32));
	view.setUint32(length - 4, (bytes.length * 8) >>> 0);
	const hash = INITIAL.slice();
	const w = new Uint32Array(64);
	const rotr = (x, n) => (x >>> n) | (x << (32 - n));
	for (let offset = 0; offset < length; offset += 64) {
		for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
		for (let i = 16; i < 64; i++) {
			const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
			const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		let [a, b, c, d, e, f, g, h] = hash;
		for (let i = 0; i < 64; i++) {
			const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + ROUND[i] + w[i]) >>> 0;
			const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
			h = g;
			g = f;
			f = e;
			e = (d + t1) >>> 0;
			d = c;
			c = b;
			b = a;
			a = (t1 + t2) >>> 0;
		}
		const next = [a, b, c, d, e, f, g, h];
		for (let i = 0; i < 8; i++) hash[i] = (hash[i] + next[i]) >>> 0;
	}
	return [...hash].map((x) => x.toString(16).padStart(8, "0")).join("");
}

const HEX_ID = /^[0-9a-f]{64}$/;

export class DurableObjectId {
	#hex;

	constructor(hex, name) {
		this.#hex = hex;
		if (name !== undefined) this.name = name;
	}

	toString() {
		return this.#hex;
	}

	equals(other) {
		return other instanceof DurableObjectId && other.toString() === this.#hex;
	}
}

function randomHex() {
	return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export class DurableObjectNamespace {
	#stub;

	constructor(stub) {
		this.#stub = stub;
	}

	/** The same name gives the same id in every version and under every binding of the class (and after a rename). */
	idFromName(name) {
		return new DurableObjectId(sha256Hex(`name:${String(name)}`), String(name));
	}

	newUniqueId() {
		return new DurableObjectId(randomHex());
	}

	idFromString(id) {
		if (typeof id !== "string" || !HEX_ID.test(id)) {
			throw new TypeError("Invalid Durable Object ID: must be 64 hex digits");
		}
		return new DurableObjectId(id);
	}

	get(id) {
		if (!(id instanceof DurableObjectId)) throw new TypeError("get() takes a DurableObjectId");
		return objectStub(this.#stub, id);
	}

	getByName(name) {
		return this.get(this.idFromName(name));
	}

	jurisdiction() {
		return this;
	}
}

/** A stub: `fetch` goes over HTTP (so WebSockets work), every other property is an RPC method. */
function objectStub(stub, id) {
	const hex = id.toString();
	const fetch = (input, init) => {
		const request = new Request(input, init);
		const headers = new Headers(request.headers);
		headers.set(ID_HEADER, hex);
		return stub.fetch(new Request(request, { headers }));
	};
	return new Proxy(
		{},
		{
			get(_, property) {
				if (property === "id") return id;
				if (property === "name") return id.name;
				if (property === "fetch") return fetch;
				if (typeof property === "symbol" || property === "then") return undefined;
				return async (...args) => unwrap(await stub.callMethod(hex, property, args));
			},
		},
	);
}

let control = null;

/** Called by install.shim.js with the host's alarm control (taken out of env, like the manifest). */
export function setControl(stub) {
	control = stub ?? null;
}

/**
 * The `ctx` a managed Worker's Durable Object class is constructed with: facets cannot set alarms, so the
 * storage's alarm methods go to the class's supervisor, which calls the object's alarm() when it is due.
 */
export function facetContext(ctx, className) {
	if (!control) return ctx;
	const hex = ctx.id.toString();
	const storage = ctx.storage;
	const at = (time) => (time instanceof Date ? time.getTime() : time);
	Object.defineProperties(storage, {
		setAlarm: { value: async (time) => unwrap(await control.setAlarm(className, hex, at(time))), configurable: true },
		getAlarm: { value: async () => unwrap(await control.getAlarm(className, hex)), configurable: true },
		deleteAlarm: { value: async () => unwrap(await control.deleteAlarm(className, hex)), configurable: true },
	});
	return ctx;
}

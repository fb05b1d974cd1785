// Shipped into managed Workers that bind Durable Objects (see install.shim.js): a DurableObjectNamespace over the
// stub of src/runtime/do/do-binding.ts, the patch that routes an object's alarms through its supervisor, and the
// guard that bounds an object's storage (below).
// It only adapts shapes; the binding checks ids and method names, since the Worker's code can reach the stub.
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

// The storage guard (evaluated before any of the Worker's own modules: install.shim.js imports this module
// first). It bounds how much one object (a facet of shiplog's supervisor) may store: only
// code inside the facet can see its storage, so the limit is kept here, in the Worker's isolate. Every write
// path of the storage API runs in a savepoint and is rolled back, with SQLite's own error, when it grew the
// database past the object's budget, which the supervisor sets (src/runtime/do/do-supervisor.ts).
//
// The Worker's code shares this isolate, so the guard holds the native methods only in closures: they are taken
// from the first real object's storage before that object's constructor runs (the storage classes are not
// globals, so no code of the Worker's can have reached them earlier), and the prototypes' methods are replaced
// for good. Reads and sizes go through the captured natives, whatever the Worker does to the prototypes later.

const { apply } = Reflect;
const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Object;
const WeakMapGet = WeakMap.prototype.get;
const WeakMapSet = WeakMap.prototype.set;
const WeakMapHas = WeakMap.prototype.has;
const { min } = Math;
const CharCodeAt = String.prototype.charCodeAt;
const PromiseReject = Promise.reject.bind(Promise);
const FunctionToString = Function.prototype.toString;

/** storage | sql | kv -> the object's guard: { storage, sql, limit }. */
const guards = new WeakMap();
const guardOf = (target) => apply(WeakMapGet, guards, [target]);

/** The storage API's own methods, captured from the first object (see above). */
let native = null;

/** Cloudflare's error when an object's database reaches its size limit (SQLite's max_page_count). */
function full(limit) {
	return new Error(
		`database or disk is full: SQLITE_FULL (this Durable Object may store at most ${limit} bytes; SHIPLOG_DO_MAX_OBJECT_BYTES, SHIPLOG_DO_MAX_CLASS_BYTES)`,
	);
}

function size(guard) {
	return apply(native.size, guard.sql, []);
}

/** Runs a write in a savepoint; it is rolled back if it grew the database past the budget. */
function bounded(guard, write) {
	return apply(native.transactionSync, guard.storage, [
		() => {
			const before = size(guard);
			const result = write();
			const after = size(guard);
			if (after > before && after > guard.limit) throw full(guard.limit);
			return result;
		},
	]);
}

const code = (text, i) => apply(CharCodeAt, text, [i]);
const isSpace = (c) => c === 32 || (c >= 9 && c <= 13);
const isWordChar = (c) => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95 || c > 127;

/**
 * A statement that cannot write, so it skips the savepoint: one SELECT (SQLite has no functions that write), with
 * no `;` but a trailing one. Written out by hand, since the Worker's code can change how a RegExp matches.
 */
function readOnly(query) {
	if (typeof query !== "string") return false;
	let i = 0;
	while (i < query.length && isSpace(code(query, i))) i++;
	for (let j = 0; j < 6; j++) if ((code(query, i + j) | 0x20) !== code("select", j)) return false;
	if (isWordChar(code(query, i + 6))) return false;
	for (let k = i + 6; k < query.length; k++) {
		if (code(query, k) !== 59) continue;
		for (let rest = k + 1; rest < query.length; rest++) if (!isSpace(code(query, rest))) return false;
	}
	return true;
}

function lock(proto, name, value) {
	if (typeof proto[name] !== "function") return;
	defineProperty(proto, name, { value, writable: false, configurable: false, enumerable: false });
}

/** Whether `fn` is the runtime's own function of that name (a function written in JavaScript shows its source). */
function isNative(fn, name) {
	return typeof fn === "function" && apply(FunctionToString, fn, []) === `function ${name}() { [native code] }`;
}

function install(storage, sql, kv) {
	const storageProto = getPrototypeOf(storage);
	const sqlProto = getPrototypeOf(sql);
	const kvProto = getPrototypeOf(kv);
	const sizeGetter = getOwnPropertyDescriptor(sqlProto, "databaseSize")?.get;
	const genuine =
		isNative(storageProto.put, "put") &&
		isNative(storageProto.transaction, "transaction") &&
		isNative(storageProto.transactionSync, "transactionSync") &&
		isNative(sqlProto.exec, "exec") &&
		isNative(kvProto.put, "put") &&
		isNative(sizeGetter, ""); // the runtime's accessors are anonymous
	// Only a real object's storage can install the guard (not one made up by code that got hold of a class).
	if (!genuine) throw new Error("Durable Object storage is not available here.");
	native = {
		put: storageProto.put,
		transaction: storageProto.transaction,
		transactionSync: storageProto.transactionSync,
		exec: sqlProto.exec,
		ingest: sqlProto.ingest,
		kvPut: kvProto.put,
		size: sizeGetter,
	};
	lock(sqlProto, "exec", function exec(...args) {
		const guard = guardOf(this);
		const run = () => apply(native.exec, this, args);
		if (!guard || readOnly(args[0])) return run();
		return bounded(guard, run);
	});
	lock(sqlProto, "ingest", function ingest(...args) {
		const guard = guardOf(this);
		const run = () => apply(native.ingest, this, args);
		return guard ? bounded(guard, run) : run();
	});
	// Statements of the experimental prepare() run inside the runtime, past exec(): not offered.
	lock(sqlProto, "prepare", () => {
		throw new Error("sql.prepare() is not available in shiplog; use sql.exec().");
	});
	lock(kvProto, "put", function put(...args) {
		const guard = guardOf(this);
		const run = () => apply(native.kvPut, this, args);
		return guard ? bounded(guard, run) : run();
	});
	lock(storageProto, "put", function put(...args) {
		const guard = guardOf(this);
		const run = () => apply(native.put, this, args);
		if (!guard) return run();
		try {
			return bounded(guard, run);
		} catch (error) {
			return PromiseReject(error);
		}
	});
	lock(storageProto, "transactionSync", function transactionSync(closure) {
		const guard = guardOf(this);
		if (!guard) return apply(native.transactionSync, this, [closure]);
		return bounded(guard, () => closure());
	});
	lock(storageProto, "transaction", function transaction(closure, options) {
		const guard = guardOf(this);
		if (!guard) return apply(native.transaction, this, [closure, options]);
		const checked = async (txn) => {
			const before = size(guard);
			const result = await closure(txn);
			const after = size(guard);
			if (after > before && after > guard.limit) throw full(guard.limit);
			return result;
		};
		return apply(native.transaction, this, [checked, options]);
	});
}

/**
 * Registers an object's storage with its first budget (from the facet's props, set by the supervisor), before
 * the object's own constructor runs. A storage is registered once; its budget can only be lowered afterwards.
 */
function guardStorage(ctx, limit) {
	const storage = ctx.storage;
	if (apply(WeakMapHas, guards, [storage])) return guardOf(storage);
	const sql = storage.sql;
	const kv = storage.kv;
	if (native === null) install(storage, sql, kv);
	const guard = { storage, sql, limit: typeof limit === "number" && limit >= 0 ? limit : 0 };
	apply(WeakMapSet, guards, [storage, guard]);
	apply(WeakMapSet, guards, [sql, guard]);
	apply(WeakMapSet, guards, [kv, guard]);
	return guard;
}

/**
 * The supervisor's report call, after each call it makes: lowers the object's budget (never raises it, so the
 * object's own code gains nothing by calling this) and answers the database's size.
 */
function storageReport(guard, limit) {
	if (typeof limit === "number" && limit >= 0) guard.limit = min(guard.limit, limit);
	return size(guard);
}

let taken = false;

/**
 * The guard's two functions, for the generated entry module only (src/runtime/runtime-code.ts), which takes them
 * once when it is evaluated. Any module can import this one, so a second taker gets nothing, and an entry module
 * that finds them taken fails to load rather than run objects unguarded.
 */
export function takeStorageGuard() {
	if (taken) throw new Error("shiplog's Durable Object storage guard was already taken.");
	taken = true;
	return { guard: guardStorage, report: storageReport };
}

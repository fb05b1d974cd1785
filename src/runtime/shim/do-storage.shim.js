// Shipped into managed Workers with Durable Object classes (imported by do.shim.js, so evaluated before any of
// the Worker's own modules). It bounds how much one object (a facet of shiplog's supervisor) may store: only
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

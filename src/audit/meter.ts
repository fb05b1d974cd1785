/**
 * Counts what a step asks of other services (D1 queries and batches, R2 operations, Durable Object calls):
 * the figure Workers limit per invocation. A step runs on an env whose bindings count as they are used.
 */
export class Meter {
	count = 0;

	meteredEnv(env: Env): Env {
		return {
			...env,
			DB: this.db(env.DB),
			MODULES: this.bucket(env.MODULES),
			COORDINATOR: this.namespace(env.COORDINATOR),
		};
	}

	private tick = () => {
		this.count += 1;
	};

	private db(db: D1Database): D1Database {
		const real = new WeakMap<object, D1PreparedStatement>();
		const tick = this.tick;
		const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
			const proxy = new Proxy(statement, {
				get(target, prop) {
					if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
					if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
						return (...args: unknown[]) => {
							tick();
							return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
						};
					}
					const value = Reflect.get(target, prop, target);
					return typeof value === "function" ? value.bind(target) : value;
				},
			});
			real.set(proxy, statement);
			return proxy;
		};
		return new Proxy(db, {
			get(target, prop) {
				if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
				if (prop === "batch") {
					return (statements: D1PreparedStatement[]) => {
						tick();
						return target.batch(statements.map((s) => real.get(s) ?? s));
					};
				}
				const value = Reflect.get(target, prop, target);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
	}

	private bucket(bucket: R2Bucket): R2Bucket {
		const tick = this.tick;
		return new Proxy(bucket, {
			get(target, prop) {
				const value = Reflect.get(target, prop, target);
				if (typeof value !== "function") return value;
				return (...args: unknown[]) => {
					tick();
					return Reflect.apply(value, target, args);
				};
			},
		});
	}

	private namespace<T extends Rpc.DurableObjectBranded | undefined>(
		ns: DurableObjectNamespace<T>,
	): DurableObjectNamespace<T> {
		const tick = this.tick;
		return new Proxy(ns, {
			get(target, prop) {
				const value = Reflect.get(target, prop, target);
				if (prop !== "getByName" || typeof value !== "function") {
					return typeof value === "function" ? value.bind(target) : value;
				}
				return (...args: unknown[]) => {
					const stub = Reflect.apply(value, target, args) as object;
					return new Proxy(stub, {
						get(s, method) {
							const member = Reflect.get(s, method);
							if (typeof member !== "function") return member;
							return (...callArgs: unknown[]) => {
								tick();
								return Reflect.apply(member, s, callArgs);
							};
						},
					});
				};
			},
		});
	}
}

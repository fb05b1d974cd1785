/** The coordinator that owns `worker`: one Durable Object per managed Worker, addressed by name. */
export function coordinatorFor(env: Env, worker: string) {
	return env.COORDINATOR.getByName(worker);
}

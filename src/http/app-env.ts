import type { Principal } from "../auth/principal";
import type { Deps } from "../deps/deps";

export interface AppEnv {
	Bindings: Env;
	Variables: {
		deps: Deps;
		requestId: string;
		principal: Principal;
	};
}

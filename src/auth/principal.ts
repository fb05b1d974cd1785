/** Who is making a request: recorded as the author of every version and deployment they create. */
export interface Principal {
	id: string;
	email: string;
}

export const ADMIN: Principal = { id: "admin", email: "admin@shiplog.local" };

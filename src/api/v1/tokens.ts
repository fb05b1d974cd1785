import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { PRINCIPAL_KINDS } from "../../auth/principal";
import { needs } from "../../auth/route-policy";
import { formatGrant } from "../../core/scopes";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { createToken, revokeToken } from "../../services/token-service";
import { getToken, listTokens, type TokenRecord } from "../../storage/tokens";
import { errorResponses, IdParam } from "./schemas";

const tags = ["Tokens"];

const ScopeText = z.string().min(1).max(80).openapi({
	description: "read | deploy | rollback | secrets | resources | admin, optionally :<Worker pattern> (checkout-*)",
	example: "deploy:checkout-*",
});

export const TokenSchema = z
	.object({
		id: z.string(),
		prefix: z.string().openapi({ description: "The token's first characters, to recognise it", example: "shl_3kQz" }),
		principal: z.string().openapi({ description: "Who the token acts for; the author of what it changes" }),
		email: z.string(),
		description: z.string().nullable(),
		scopes: z.array(ScopeText),
		status: z.enum(["active", "expired", "revoked"]),
		created_on: z.string(),
		created_by: z.string(),
		expires_on: z.string().nullable(),
		revoked_on: z.string().nullable(),
		revoked_by: z.string().nullable(),
		last_used_on: z.string().nullable().openapi({ description: "Updated at most once a minute" }),
	})
	.openapi("Token");

const CreateTokenSchema = z
	.strictObject({
		principal: z.string().min(1).max(254).openapi({ example: "alice@example.com" }),
		email: z.email().max(254).optional().openapi({ description: "Defaults to principal when it is an email" }),
		scopes: z.array(ScopeText).min(1).max(50),
		description: z.string().max(500).optional(),
		expires_on: z.string().max(40).optional().openapi({ description: "ISO 8601; at most two years ahead" }),
		expires_in_seconds: z.number().int().min(60).max(63_072_000).optional(),
	})
	.openapi("CreateToken", {
		example: { principal: "ci-checkout", scopes: ["deploy:checkout-*"], expires_in_seconds: 7_776_000 },
	});

const CreatedTokenSchema = TokenSchema.extend({
	token: z.string().openapi({ description: "The token. Shown only in this response; shiplog keeps only its hash" }),
}).openapi("CreatedToken");

function status(record: TokenRecord, now: Date): "active" | "expired" | "revoked" {
	if (record.revoked_on) return "revoked";
	if (record.expires_on && Date.parse(record.expires_on) <= now.getTime()) return "expired";
	return "active";
}

const present = (record: TokenRecord, now: Date) => ({ ...record, status: status(record, now) });

const createTokenRoute = createRoute({
	method: "post",
	path: "/",
	tags,
	...needs("admin", "token.create", "account"),
	summary: "Create a token for a person or pipeline; the token is shown once",
	request: { body: { content: { "application/json": { schema: CreateTokenSchema } }, required: true } },
	responses: {
		201: {
			description: "The token (only now) and its record",
			content: { "application/json": { schema: CreatedTokenSchema } },
		},
		...errorResponses(400, 401, 403),
	},
});

const listRoute = createRoute({
	method: "get",
	path: "/",
	tags,
	...needs("admin", "token.list", "account"),
	summary: "Tokens (never the tokens themselves: prefix, principal, scopes, dates)",
	request: {
		query: z.object({
			principal: z.string().max(254).optional(),
			include_revoked: z
				.enum(["true", "false"])
				.default("false")
				.transform((v) => v === "true"),
		}),
	},
	responses: {
		200: {
			description: "Newest first",
			content: { "application/json": { schema: z.object({ items: z.array(TokenSchema) }) } },
		},
		...errorResponses(400, 401, 403),
	},
});

const selfRoute = createRoute({
	method: "get",
	path: "/self",
	tags,
	...needs(null, "token.self", "some"),
	summary: "Who the caller is and what it may do",
	responses: {
		200: {
			description: "The caller",
			content: {
				"application/json": {
					schema: z
						.object({
							principal: z.object({ id: z.string(), email: z.string(), kind: z.enum(PRINCIPAL_KINDS) }),
							scopes: z.array(ScopeText),
							token: TokenSchema.nullable(),
						})
						.openapi("Self"),
				},
			},
		},
		...errorResponses(401),
	},
});

const revokeRoute = createRoute({
	method: "delete",
	path: "/{id}",
	tags,
	...needs("admin", "token.revoke", "account"),
	summary: "Revoke a token: the next request that carries it is refused",
	request: { params: z.object({ id: IdParam("id") }) },
	responses: {
		200: { description: "The revoked token", content: { "application/json": { schema: TokenSchema } } },
		...errorResponses(400, 401, 403, 404),
	},
});

export const tokensRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(createTokenRoute, async (c) => {
		const { token, record } = await createToken(changeContext(c), c.req.valid("json"));
		c.header("Cache-Control", "no-store");
		return c.json({ ...present(record, c.var.deps.clock.now()), token }, 201);
	})
	.openapi(listRoute, async (c) => {
		const now = c.var.deps.clock.now();
		const items = await listTokens(c.env.DB, c.req.valid("query"));
		return c.json({ items: items.map((r) => present(r, now)) }, 200);
	})
	.openapi(selfRoute, async (c) => {
		const principal = c.var.principal;
		const record = principal.token_id ? await getToken(c.env.DB, principal.token_id) : null;
		return c.json(
			{
				principal: { id: principal.id, email: principal.email, kind: principal.kind },
				scopes: principal.grants.map(formatGrant),
				token: record ? present(record, c.var.deps.clock.now()) : null,
			},
			200,
		);
	})
	.openapi(revokeRoute, async (c) => {
		const record = await revokeToken(changeContext(c), c.req.valid("param").id);
		return c.json(present(record, c.var.deps.clock.now()), 200);
	});

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { needs } from "../../auth/route-policy";
import type { AppEnv } from "../../http/app-env";
import { changeContext } from "../../http/change-context";
import { validationHook } from "../../http/errors";
import { createLinkCode, createSlackUser, deleteSlackUser } from "../../services/slack-user-service";
import { listSlackUsers } from "../../storage/chatops";
import { errorResponses, IdParam } from "./schemas";

const tags = ["ChatOps"];

const ScopeText = z.string().min(1).max(80).openapi({ example: "rollback:checkout-*" });
const TeamId = z
	.string()
	.regex(/^[TE][A-Z0-9]{1,30}$/, "a Slack team id (T…) or enterprise id (E…)")
	.openapi({ example: "T0123ABCD" });
const UserId = z
	.string()
	.regex(/^[UW][A-Z0-9]{1,30}$/, "a Slack user id (U… or W…)")
	.openapi({ example: "U0456EFGH" });

export const SlackUserSchema = z
	.object({
		id: z.string(),
		team_id: z.string(),
		user_id: z.string(),
		principal: z.string().openapi({ description: "Who the Slack user acts as: the author of what they change" }),
		email: z.string(),
		scopes: z.array(ScopeText),
		created_on: z.string(),
		created_by: z.string(),
		via: z.enum(["admin", "link"]).openapi({ description: "Mapped by an admin, or linked with a one-time code" }),
	})
	.openapi("SlackUser");

const CreateSlackUserSchema = z
	.strictObject({
		team_id: TeamId,
		user_id: UserId,
		principal: z.string().min(1).max(254).openapi({ example: "alice@example.com" }),
		email: z.email().max(254).optional(),
		scopes: z.array(ScopeText).min(1).max(50),
	})
	.openapi("CreateSlackUser");

const createRouteDef = createRoute({
	method: "post",
	path: "/users",
	tags,
	...needs("admin", "chatops.user.create", "account"),
	summary: "Map a Slack user (team and user id) to a principal with scopes",
	request: { body: { content: { "application/json": { schema: CreateSlackUserSchema } }, required: true } },
	responses: {
		201: { description: "The mapping", content: { "application/json": { schema: SlackUserSchema } } },
		...errorResponses(400, 401, 403, 409),
	},
});

const listRouteDef = createRoute({
	method: "get",
	path: "/users",
	tags,
	...needs("admin", "chatops.user.list", "account"),
	summary: "Slack users mapped to principals",
	request: {
		query: z.object({ team_id: z.string().max(40).optional(), principal: z.string().max(254).optional() }),
	},
	responses: {
		200: {
			description: "Newest first",
			content: { "application/json": { schema: z.object({ items: z.array(SlackUserSchema) }) } },
		},
		...errorResponses(400, 401, 403),
	},
});

const deleteRouteDef = createRoute({
	method: "delete",
	path: "/users/{id}",
	tags,
	...needs("admin", "chatops.user.delete", "account"),
	summary: "Remove a mapping: that Slack user can do nothing from the next request on",
	request: { params: z.object({ id: IdParam("id") }) },
	responses: {
		200: { description: "The removed mapping", content: { "application/json": { schema: SlackUserSchema } } },
		...errorResponses(400, 401, 403, 404),
	},
});

const linkCodeRouteDef = createRoute({
	method: "post",
	path: "/link-codes",
	tags,
	...needs(null, "chatops.link_code.create", "some"),
	summary: "A one-time code that links your Slack user to this token's principal: type `/shiplog link <code>`",
	request: {
		body: {
			content: {
				"application/json": {
					schema: z
						.strictObject({
							scopes: z.array(ScopeText).min(1).max(50).optional().openapi({
								description: "At most the token's own scopes (default: all of them)",
							}),
						})
						.openapi("CreateLinkCode"),
				},
			},
			required: false,
		},
	},
	responses: {
		201: {
			description: "The code (shown once; valid for 10 minutes, once)",
			content: {
				"application/json": {
					schema: z
						.object({
							code: z.string().openapi({ example: "K7QM-2XHD-9RTA" }),
							expires_on: z.string(),
							principal: z.string(),
							scopes: z.array(ScopeText),
						})
						.openapi("LinkCode"),
				},
			},
		},
		...errorResponses(400, 401, 403),
	},
});

export const chatopsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
	.openapi(createRouteDef, async (c) => c.json(await createSlackUser(changeContext(c), c.req.valid("json")), 201))
	.openapi(listRouteDef, async (c) => c.json({ items: await listSlackUsers(c.env.DB, c.req.valid("query")) }, 200))
	.openapi(deleteRouteDef, async (c) => c.json(await deleteSlackUser(changeContext(c), c.req.valid("param").id), 200))
	.openapi(linkCodeRouteDef, async (c) => {
		const body = (c.req.valid("json") ?? {}) as { scopes?: string[] };
		c.header("Cache-Control", "no-store");
		return c.json(await createLinkCode(changeContext(c), body), 201);
	});

import { DurableObject } from "cloudflare:workers";

/**
 * rooms: post messages to a room (D1), read them through a cache (KV), attach files (R2), watch a room live
 * (a Durable Object per room, WebSocket), count what was posted in the background (a queue), and tidy up on a
 * schedule (a cron trigger).
 */
export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		const parts = url.pathname.split("/").filter(Boolean);
		try {
			if (parts[0] === "messages" && parts.length === 2) return await messages(request, env, parts[1]);
			if (parts[0] === "files" && parts.length === 2) return await files(request, env, parts[1]);
			if (parts[0] === "rooms" && parts.length === 3) return await room(request, env, parts[1], parts[2]);
			if (parts[0] === "stats" && parts.length === 1) return Response.json(await stats(env));
			return Response.json(
				{ error: "not found", routes: ["/messages/:room", "/files/:key", "/rooms/:room/(ws|count)", "/stats"] },
				{ status: 404 },
			);
		} catch (error) {
			return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
		}
	},

	async queue(batch, env) {
		for (const message of batch.messages) {
			if (message.body?.fail && message.attempts < 2) {
				message.retry();
				continue;
			}
			await env.DB.prepare("INSERT INTO processed (kind, detail, at) VALUES ('queue', ?, ?)")
				.bind(JSON.stringify({ body: message.body, attempts: message.attempts }), new Date().toISOString())
				.run();
			message.ack();
		}
	},

	async scheduled(controller, env) {
		const at = new Date(controller.scheduledTime).toISOString();
		await env.CACHE.put("last-cron", at);
		await env.DB.prepare("INSERT INTO processed (kind, detail, at) VALUES ('cron', ?, ?)")
			.bind(controller.cron, at)
			.run();
	},
};

async function messages(request, env, roomName) {
	const cacheKey = `recent:${roomName}`;
	if (request.method === "GET") {
		const cached = await env.CACHE.get(cacheKey, "json");
		if (cached) return Response.json(cached, { headers: { "x-cache": "hit" } });
		const { results } = await env.DB.prepare(
			"SELECT id, author, text, created_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT 50",
		)
			.bind(roomName)
			.all();
		await env.CACHE.put(cacheKey, JSON.stringify(results), { expirationTtl: 60 });
		return Response.json(results, { headers: { "x-cache": "miss" } });
	}
	if (request.method === "POST") {
		const { author, text } = await request.json();
		if (typeof author !== "string" || typeof text !== "string" || !text) {
			return Response.json({ error: "send {author, text} as JSON" }, { status: 400 });
		}
		const row = await env.DB.prepare(
			"INSERT INTO messages (room, author, text, created_at) VALUES (?, ?, ?, ?) RETURNING id",
		)
			.bind(roomName, author, text, new Date().toISOString())
			.first();
		await env.CACHE.delete(cacheKey);
		await env.EVENTS.send({ type: "posted", room: roomName, id: row.id });
		await env.ROOM.getByName(roomName).broadcast(JSON.stringify({ id: row.id, author, text }));
		return Response.json({ id: row.id }, { status: 201 });
	}
	return new Response("use GET or POST", { status: 405 });
}

async function files(request, env, key) {
	if (request.method === "PUT") {
		const object = await env.FILES.put(key, request.body, {
			httpMetadata: { contentType: request.headers.get("content-type") ?? "application/octet-stream" },
		});
		await env.EVENTS.send({ type: "uploaded", key, size: object.size });
		return Response.json({ key, size: object.size, etag: object.etag }, { status: 201 });
	}
	if (request.method === "GET") {
		const object = await env.FILES.get(key);
		if (!object) return new Response("no such file", { status: 404 });
		const headers = new Headers();
		object.writeHttpMetadata(headers);
		headers.set("etag", object.httpEtag);
		return new Response(object.body, { headers });
	}
	return new Response("use GET or PUT", { status: 405 });
}

async function room(request, env, roomName, what) {
	const stub = env.ROOM.getByName(roomName);
	if (what === "ws") return stub.fetch(request);
	if (what === "count") return Response.json({ room: roomName, broadcasts: await stub.count() });
	return new Response("use /rooms/:room/ws or /rooms/:room/count", { status: 404 });
}

async function stats(env) {
	const { results } = await env.DB.prepare("SELECT kind, COUNT(*) AS n FROM processed GROUP BY kind").all();
	const counts = Object.fromEntries(results.map((row) => [row.kind, row.n]));
	return { queue: counts.queue ?? 0, cron: counts.cron ?? 0, last_cron: await env.CACHE.get("last-cron") };
}

/** One per room: holds the room's live WebSockets and counts what it broadcast, in its own SQLite storage. */
export class Room extends DurableObject {
	constructor(ctx, env) {
		super(ctx, env);
		this.sockets = new Set();
		ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS tally (k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
	}

	async fetch(request) {
		if (request.headers.get("upgrade") !== "websocket") return new Response("expected a WebSocket", { status: 426 });
		const pair = new WebSocketPair();
		const server = pair[1];
		server.accept();
		this.sockets.add(server);
		server.addEventListener("message", (event) => {
			if (event.data === "ping") server.send("pong");
		});
		server.addEventListener("close", () => this.sockets.delete(server));
		server.send(JSON.stringify({ joined: true, broadcasts: this.count() }));
		return new Response(null, { status: 101, webSocket: pair[0] });
	}

	broadcast(text) {
		this.ctx.storage.sql.exec(
			"INSERT INTO tally (k, n) VALUES ('broadcasts', 1) ON CONFLICT (k) DO UPDATE SET n = n + 1",
		);
		for (const socket of this.sockets) socket.send(text);
	}

	count() {
		const row = this.ctx.storage.sql.exec("SELECT n FROM tally WHERE k = 'broadcasts'").toArray()[0];
		return row ? row.n : 0;
	}
}

import { describe, expect, it } from "vitest";
import { deployCode, edge } from "../edge/edge-helpers";

const ROOM_APP = `
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
	async fetch(request) {
		const pair = new WebSocketPair();
		const [client, server] = Object.values(pair);
		if (new URL(request.url).pathname === "/hibernate") {
			this.ctx.acceptWebSocket(server);
		} else {
			server.accept();
			server.addEventListener("message", async (event) => {
				const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
				await this.ctx.storage.put("n", n);
				server.send(n + ":" + event.data);
			});
		}
		return new Response(null, { status: 101, webSocket: client });
	}
	async webSocketMessage(ws, message) {
		ws.send("hibernating:" + message + ":" + this.ctx.getWebSockets().length);
	}
}
export default {
	fetch(request, env) {
		const url = new URL(request.url);
		return env.ROOMS.getByName("lobby").fetch("http://room" + url.pathname, { headers: request.headers });
	},
};`;

async function exchange(path: string, messages: string[]): Promise<string[]> {
	const res = await edge("do-ws", path, { headers: { Upgrade: "websocket" } });
	expect(res.status).toBe(101);
	const ws = res.webSocket;
	if (!ws) throw new Error("no WebSocket in the response");
	ws.accept();
	const received: string[] = [];
	const done = new Promise<void>((resolve) => {
		ws.addEventListener("message", (event) => {
			received.push(String(event.data));
			if (received.length === messages.length) resolve();
		});
	});
	for (const message of messages) ws.send(message);
	await done;
	ws.close();
	return received;
}

describe("WebSockets to a managed Worker's Durable Object, through the edge", () => {
	it("an accepted WebSocket talks to the object, which keeps state", async () => {
		await deployCode("do-ws", ROOM_APP, {
			bindings: [{ name: "ROOMS", type: "durable_object_namespace", class_name: "Room" }],
			migrations: { new_tag: "v1", new_sqlite_classes: ["Room"] },
		});
		expect(await exchange("/plain", ["hi", "there"])).toEqual(["1:hi", "2:there"]);
	});

	it("the hibernation API: ctx.acceptWebSocket and webSocketMessage", async () => {
		expect(await exchange("/hibernate", ["a"])).toEqual(["hibernating:a:1"]);
	});
});

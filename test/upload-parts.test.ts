import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { multipartBoundary, partCounter } from "../src/upload/part-counter";
import { BASE, counts, json, TOKEN } from "./helpers";

const encoder = new TextEncoder();

describe("counting multipart parts as they stream", () => {
	it("counts delimiters even when a chunk boundary cuts one in two", () => {
		const body = "--xyz\r\na\r\n--xyz\r\nb\r\n--xyz--\r\n";
		for (let cut = 1; cut < body.length; cut++) {
			const count = partCounter("xyz", 1);
			expect(() => {
				count(encoder.encode(body.slice(0, cut)));
				count(encoder.encode(body.slice(cut)));
			}).toThrow(/at most 1 parts/);
			const enough = partCounter("xyz", 2);
			enough(encoder.encode(body.slice(0, cut)));
			enough(encoder.encode(body.slice(cut)));
		}
	});

	it("reads the boundary, quoted or not", () => {
		expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe("a b");
		expect(multipartBoundary("multipart/form-data; boundary=----x1; charset=utf-8")).toBe("----x1");
		expect(multipartBoundary("multipart/form-data")).toBeNull();
	});

	it("refuses an upload of 100,000 empty parts before reading it all", async () => {
		const boundary = "flood";
		const total = 100_000;
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent >= total) return controller.close();
				// 100 parts a chunk.
				let chunk = "";
				for (let i = 0; i < 100; i++, sent++) {
					chunk += `--${boundary}\r\nContent-Disposition: form-data; name="m${sent}.js"; filename="m${sent}.js"\r\nContent-Type: application/javascript+module\r\n\r\n\r\n`;
				}
				controller.enqueue(encoder.encode(chunk));
			},
		});
		const res = await exports.default.fetch(
			new Request(`${BASE}/v1/workers/flooded`, {
				method: "PUT",
				headers: { authorization: `Bearer ${TOKEN}`, "content-type": `multipart/form-data; boundary=${boundary}` },
				body,
				// @ts-expect-error: workerd needs to be told a stream body is half-duplex.
				duplex: "half",
			}),
		);
		expect(res.status).toBe(400);
		expect((await json(res)).error.message).toContain("at most 1001 parts");
		expect(sent).toBeLessThan(total / 10);
		expect(await counts("flooded")).toEqual({ versions: 0, deployments: 0 });
	});
});

import { describe, expect, it } from "vitest";
import { KeyQueue } from "../../src/runtime/r2/key-queue";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("writes to one R2 key are applied in arrival order", () => {
	it("runs work on one key one at a time, in the order it arrived, whatever each takes", async () => {
		const queue = new KeyQueue();
		const log: string[] = [];
		const job = (name: string, ms: number) =>
			queue.run(["k"], async () => {
				log.push(`${name} start`);
				await new Promise((resolve) => setTimeout(resolve, ms));
				log.push(`${name} end`);
				return name;
			});
		expect(await Promise.all([job("slow", 30), job("fast", 1), job("last", 1)])).toEqual(["slow", "fast", "last"]);
		expect(log).toEqual(["slow start", "slow end", "fast start", "fast end", "last start", "last end"]);
	});

	it("lets other keys run alongside, waits for every key of a many-key job, and goes on after a failure", async () => {
		const queue = new KeyQueue();
		const log: string[] = [];
		let releaseA = () => {};
		const a = queue.run(["a"], () => new Promise<void>((resolve) => (releaseA = resolve)));
		const b = queue.run(["b"], async () => log.push("b"));
		const both = queue.run(["a", "b"], async () => log.push("a+b"));
		await b;
		await tick();
		expect(log).toEqual(["b"]);
		releaseA();
		await Promise.all([a, both]);
		expect(log).toEqual(["b", "a+b"]);
		await expect(queue.run(["a"], async () => Promise.reject(new Error("failed")))).rejects.toThrow("failed");
		expect(await queue.run(["a"], async () => "after")).toBe("after");
		await queue.idle();
	});
});

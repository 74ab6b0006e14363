import { describe, expect, test } from "bun:test";
import { QUIET, withKeepalive } from "../../src/http/keepalive.ts";

/** A source that yields each value only when the test releases it. */
function gated<T>() {
	const gates: Array<(value: IteratorResult<T>) => void> = [];
	let finished = false;
	const source: AsyncIterable<T> = {
		[Symbol.asyncIterator]: () => ({
			next: () => new Promise<IteratorResult<T>>((resolve) => gates.push(resolve)),
			return: async () => {
				finished = true;
				return { done: true, value: undefined };
			},
		}),
	};
	return {
		source,
		release: (value: T) => gates.shift()?.({ done: false, value }),
		end: () => gates.shift()?.({ done: true, value: undefined }),
		fail: (error: Error) => gates.shift()?.(Promise.reject(error) as never),
		waiting: () => gates.length,
		finished: () => finished,
	};
}

describe("withKeepalive: marks silences so that a protocol can send an event", () => {
	test("a silent source yields QUIET, then its values as they come, then ends", async () => {
		const src = gated<string>();
		const out = withKeepalive(src.source, 1);
		expect((await out.next()).value).toBe(QUIET);
		// One read only, however many silences: the source is never asked twice for the same value.
		expect((await out.next()).value).toBe(QUIET);
		expect(src.waiting()).toBe(1);
		const value = out.next();
		src.release("a");
		expect(await value).toEqual({ done: false, value: "a" });
		const end = out.next();
		// Released once the next read is asked for, whatever silences came first.
		while (src.waiting() === 0) await Bun.sleep(0);
		src.end();
		let last = await end;
		while (last.value === QUIET) last = await out.next();
		expect(last).toEqual({ done: true, value: undefined });
	});

	test("values that come at once pass straight through", async () => {
		async function* quick() {
			yield 1;
			yield 2;
		}
		const seen: unknown[] = [];
		for await (const value of withKeepalive(quick(), 60_000)) seen.push(value);
		expect(seen).toEqual([1, 2]);
	});

	test("a failing source fails the stream", async () => {
		const src = gated<string>();
		const out = withKeepalive(src.source, 60_000);
		const next = out.next();
		src.fail(new Error("cut"));
		await expect(next).rejects.toThrow("cut");
	});

	test("a consumer that stops during a silence returns the source", async () => {
		const src = gated<string>();
		const out = withKeepalive(src.source, 1);
		expect((await out.next()).value).toBe(QUIET);
		await out.return(undefined);
		expect(src.finished()).toBe(true);
	});
});

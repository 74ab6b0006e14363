/**
 * `translateChunks` as an iterator: what it hands out without a wait (`ready`), how errors of the source, of the
 * translation and of the final lines end it, and that `return()` reaches the source at once.
 */
import { describe, expect, test } from "bun:test";
import type { Piece, ReadyIterator } from "../../../src/core/upstream-chunks.ts";
import { type LineTranslator, translateChunks } from "../../../src/protocols/ollama/stream.ts";

const piece = (content: string): Piece => ({ content, reasoning: "", toolCalls: [], finishReason: null, logprobs: [] });

/** Lines: the piece's content twice ("a" → "a1", "a2"), none for "", and "end" at the finish (or a throw). */
function doubled(finishWith: string | Error = "end"): LineTranslator<string> {
	return {
		push: (p) => (p.content === "" ? [] : [`${p.content}1`, `${p.content}2`]),
		finish: () => {
			if (finishWith instanceof Error) throw finishWith;
			return [finishWith];
		},
	};
}

/** A source of strings: `held` is what it has without a wait, `later` what comes on `next()`, in order. */
function source(held: (string | Error)[], later: (string | Error)[] = [], withReady = true) {
	const seen = { returned: 0 };
	const it: ReadyIterator<string> & AsyncIterable<string> = {
		[Symbol.asyncIterator]: () => it,
		next: async () => {
			const item = held.length > 0 ? held.shift() : later.shift();
			if (item instanceof Error) throw item;
			return item === undefined ? { done: true, value: undefined } : { done: false, value: item };
		},
		return: async () => {
			seen.returned++;
			return { done: true, value: undefined };
		},
	};
	if (withReady)
		it.ready = () => {
			if (held.length === 0) return later.length === 0 ? { done: true, value: undefined } : undefined;
			const item = held.shift();
			if (item instanceof Error) throw item;
			return { done: false, value: item as string };
		};
	return { it, seen };
}

async function all(lines: AsyncIterable<string>): Promise<string[]> {
	const out: string[] = [];
	for await (const line of lines) out.push(line);
	return out;
}

const toPiece = (text: string) => {
	if (text === "bad") throw new Error("bad chunk");
	return piece(text);
};

describe("translateChunks", () => {
	test("what the source holds comes out of ready(), without a wait, down to the final lines", () => {
		const lines = translateChunks(source(["a", "", "b"]).it, toPiece, doubled());
		const out: unknown[] = [];
		for (let r = lines.ready?.(); r && !r.done; r = lines.ready?.()) out.push(r.value);
		expect(out).toEqual(["a1", "a2", "b1", "b2", "end"]);
		expect(lines.ready?.()).toEqual({ done: true, value: undefined });
	});

	test("ready() is undefined when the next chunk needs a wait; next() then reads it", async () => {
		const lines = translateChunks(source(["a"], ["b"]).it, toPiece, doubled());
		expect([lines.ready?.(), lines.ready?.(), lines.ready?.()]).toEqual([
			{ done: false, value: "a1" },
			{ done: false, value: "a2" },
			undefined,
		]);
		expect(await all(lines)).toEqual(["b1", "b2", "end"]);
	});

	test("a source without ready() is read through next() alone", async () => {
		const lines = translateChunks(source([], ["a", "", "b"], false).it, toPiece, doubled());
		expect(lines.ready?.()).toBeUndefined();
		expect(await all(lines)).toEqual(["a1", "a2", "b1", "b2", "end"]);
	});

	test("a source whose ready() throws ends the lines with its error", async () => {
		const lines = translateChunks(source([new Error("broken")], ["x"]).it, toPiece, doubled());
		await expect(lines.next()).rejects.toThrow("broken");
		expect(await lines.next()).toEqual({ done: true, value: undefined });
	});

	test("a source whose next() rejects ends the lines with its error, without return()", async () => {
		const { it, seen } = source([], ["a", new Error("cut")]);
		const lines = translateChunks(it, toPiece, doubled());
		await expect(all(lines)).rejects.toThrow("cut");
		expect(await lines.next()).toEqual({ done: true, value: undefined });
		expect(seen.returned).toBe(0);
	});

	test("a chunk the translation refuses closes the source and ends the lines with the error", async () => {
		const { it, seen } = source([], ["a", "bad", "b"]);
		const lines = translateChunks(it, toPiece, doubled());
		const out: string[] = [];
		await expect(
			(async () => {
				for await (const line of lines) out.push(line);
			})(),
		).rejects.toThrow("bad chunk");
		expect([out, seen.returned]).toEqual([["a1", "a2"], 1]);
		expect(await lines.next()).toEqual({ done: true, value: undefined });
	});

	test("a refused chunk whose source then fails to close still ends with the translation's error", async () => {
		const { it } = source([], ["bad"]);
		const closing = Promise.withResolvers<void>();
		it.return = () => {
			closing.resolve();
			return Promise.reject(new Error("close failed"));
		};
		const lines = translateChunks(it, toPiece, doubled());
		await expect(lines.next()).rejects.toThrow("bad chunk");
		// The source's failure to close is swallowed: it neither reaches the client nor surfaces as unhandled.
		await closing.promise;
		expect(await lines.next()).toEqual({ done: true, value: undefined });
	});

	test("final lines that throw end the stream with the error, and nothing after", async () => {
		const lines = translateChunks(source(["a"]).it, toPiece, doubled(new Error("no final")));
		expect(await lines.next()).toEqual({ done: false, value: "a1" });
		expect(await lines.next()).toEqual({ done: false, value: "a2" });
		await expect(lines.next()).rejects.toThrow("no final");
		expect(await lines.next()).toEqual({ done: true, value: undefined });
	});

	test("return() reaches the source at once, even while a read waits, and the read then ends", async () => {
		const wait = Promise.withResolvers<IteratorResult<string>>();
		let returned = 0;
		const it: AsyncIterableIterator<string> = {
			[Symbol.asyncIterator]: () => it,
			next: () => wait.promise,
			return: async () => {
				returned++;
				return { done: true, value: undefined };
			},
		};
		const lines = translateChunks(it, toPiece, doubled());
		const pending = lines.next();
		expect(await lines.return?.()).toEqual({ done: true, value: undefined });
		expect(returned).toBe(1);
		wait.resolve({ done: false, value: "late" });
		expect(await pending).toEqual({ done: true, value: undefined });
		// Once over, a second return() does not reach the source again.
		await lines.return?.();
		expect(returned).toBe(1);
	});

	test("return() after the source's end leaves the source alone", async () => {
		const { it, seen } = source(["a"]);
		const lines = translateChunks(it, toPiece, doubled());
		expect(await all(lines)).toEqual(["a1", "a2", "end"]);
		await lines.return?.();
		expect(seen.returned).toBe(0);
	});
});

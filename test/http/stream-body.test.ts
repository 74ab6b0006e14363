import { describe, expect, test } from "bun:test";
import { ProxyError } from "../../src/core/proxy-error.ts";
import type { ReadyIterator } from "../../src/core/upstream-chunks.ts";
import { type StreamOutcome, stalledMessage, streamResponse } from "../../src/http/stream-body.ts";
import { until } from "../support/wait.ts";

const FORMAT = {
	contentType: "application/x-ndjson",
	frame: (value: number) => `${value}\n`,
	errorFrame: (error: ProxyError) => `${JSON.stringify({ error: error.message })}\n`,
};

/** Numbers from 1 on, without end, noting whether the stream closed it. */
function counting() {
	const state = { closed: false, produced: 0 };
	async function* numbers() {
		try {
			for (;;) yield ++state.produced;
		} finally {
			state.closed = true;
		}
	}
	return { source: numbers(), state };
}

function ended<T>() {
	const { promise, resolve } = Promise.withResolvers<StreamOutcome<T>>();
	return { promise, options: { toError: () => new ProxyError(500, "internal error"), onEnd: resolve } };
}

describe("streamResponse: a client that stops reading", () => {
	test("is cut off after stallMs: the source is closed, the body errors, the outcome says stalled", async () => {
		const { source, state } = counting();
		const end = ended<number>();
		const response = await streamResponse(source, FORMAT, { ...end.options, stallMs: 20 });
		// Read in the process, the body is the proxy's own stream of frames.
		const reader = (response.body as unknown as ReadableStream<string>).getReader();
		expect((await reader.read()).value).toBe("1\n");
		// Nothing more is read: the stream fills its one-frame queue and waits.
		expect(await end.promise).toEqual({ aborted: false, stalled: true, last: 2 });
		expect(await until(() => state.closed)).toBe(true);
		expect(state.produced).toBe(2);
		const rest = async () => {
			for (let part = await reader.read(); !part.done; part = await reader.read());
		};
		await expect(rest()).rejects.toBeUndefined();
	});

	test("a client that reads to the end is never stalled, however long the stream", async () => {
		async function* three() {
			yield* [1, 2, 3];
		}
		const end = ended<number>();
		const response = await streamResponse(three(), FORMAT, { ...end.options, stallMs: 20 });
		expect(await response.text()).toBe("1\n2\n3\n");
		expect(await end.promise).toEqual({ aborted: false, last: 3 });
	});

	test("the words logged for it are the client's", () => {
		expect(stalledMessage(60_000)).toBe("client stopped reading for 60000 ms");
	});
});

describe("streamResponse: what the source holds without a wait (ready)", () => {
	/** 1 from next(), then 2 and 3 held; `fail` makes the held part throw after 2. */
	function holding(fail: boolean) {
		const held: (number | Error)[] = fail ? [2, new Error("broke")] : [2, 3];
		let first = true;
		let pulls = 0;
		const source: ReadyIterator<number> = {
			next: async () => {
				pulls++;
				if (first) {
					first = false;
					return { done: false as const, value: 0 };
				}
				if (pulls === 2) return { done: false as const, value: 1 };
				return { done: true as const, value: undefined };
			},
			ready: () => {
				if (pulls < 2) return undefined;
				const item = held.shift();
				if (item instanceof Error) throw item;
				return item === undefined ? { done: true as const, value: undefined } : { done: false as const, value: item };
			},
		};
		return { pulls: () => pulls, source };
	}

	test("goes out in the same pull, and the end with it", async () => {
		const { source, pulls } = holding(false);
		const end = ended<number>();
		const response = await streamResponse(source, FORMAT, end.options);
		expect(await response.text()).toBe("0\n1\n2\n3\n");
		expect(await end.promise).toEqual({ aborted: false, last: 3 });
		expect(pulls()).toBe(2);
	});

	test("a held part that throws ends the stream in an error frame after what went before", async () => {
		const { source } = holding(true);
		const end = ended<number>();
		const response = await streamResponse(source, FORMAT, end.options);
		expect(await response.text()).toBe('0\n1\n2\n{"error":"internal error"}\n');
		expect((await end.promise).error?.message).toBe("internal error");
	});
});

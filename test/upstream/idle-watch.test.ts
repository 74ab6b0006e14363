import { describe, expect, test } from "bun:test";
import type { BodyWatch, RelayEnd } from "../../src/http/relay.ts";
import { bodyFormat, cutShortEnding, watchIdle } from "../../src/upstream/idle-watch.ts";
import { until } from "../support/wait.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

/** A body that sends the given pieces, then ends, stays open, or breaks. */
function body(pieces: string[], end: "close" | "hang" | "break") {
	let cancelled = false;
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			for (const piece of pieces) controller.enqueue(bytes(piece));
			if (end === "close") controller.close();
			if (end === "break") setTimeout(() => controller.error(new Error("reset")), 5);
		},
		cancel() {
			cancelled = true;
		},
	});
	return { stream, cancelled: () => cancelled };
}

describe("bodyFormat and cutShortEnding", () => {
	test.each([
		["text/event-stream", "sse"],
		["application/x-ndjson", "ndjson"],
		["application/json; charset=utf-8", "other"],
		[null, "other"],
	])("%s → %s", (type, format) => {
		expect(bodyFormat(type)).toBe(format as never);
	});

	test.each([
		["sse", false, 'data: {"error":{"message":"m","type":"api_error","param":null,"code":null}}\n\n'],
		["sse", true, '\n\ndata: {"error":{"message":"m","type":"api_error","param":null,"code":null}}\n\n'],
		["ndjson", false, '{"error":"m"}\n'],
		["ndjson", true, '\n{"error":"m"}\n'],
		["other", false, undefined],
	])("%s, mid-line %p → %j", (format, midLine, ending) => {
		expect(text(cutShortEnding(format as never, "m", midLine))).toBe(ending);
	});
});

describe("watchIdle", () => {
	test("relays every piece and ends with the body", async () => {
		const source = body(["a\n", "b\n"], "close");
		expect(await new Response(watchIdle(source.stream, 1000, "ndjson")).text()).toBe("a\nb\n");
	});

	test("a quiet body ends with its error line, and the upstream body is cancelled", async () => {
		const source = body(['{"a":1}\n'], "hang");
		const watched = watchIdle(source.stream, 30, "ndjson");
		expect(await new Response(watched).text()).toBe('{"a":1}\n{"error":"upstream went quiet for 30 ms"}\n');
		expect(source.cancelled()).toBe(true);
	});

	test("a body quiet in the middle of a line gets the line closed before the error", async () => {
		const source = body(['{"a":'], "hang");
		expect(await new Response(watchIdle(source.stream, 30, "ndjson")).text()).toBe(
			'{"a":\n{"error":"upstream went quiet for 30 ms"}\n',
		);
	});

	test("a broken connection ends with an error event too", async () => {
		const source = body(["data: {}\n\n"], "break");
		const text = await new Response(watchIdle(source.stream, 1000, "sse")).text();
		expect(text).toBe(
			'data: {}\n\ndata: {"error":{"message":"upstream connection lost: reset","type":"api_error","param":null,"code":null}}\n\n',
		);
	});

	test("a quiet body without an error format errors", async () => {
		const source = body(["a"], "hang");
		const reader = watchIdle(source.stream, 30, "other").getReader();
		expect(text((await reader.read()).value)).toBe("a");
		expect(reader.read()).rejects.toThrow("upstream went quiet for 30 ms");
	});

	test("cancelling the watched body cancels the upstream body", async () => {
		const source = body(["a"], "hang");
		const reader = watchIdle(source.stream, 10_000, "other").getReader();
		await reader.read();
		await reader.cancel();
		expect(source.cancelled()).toBe(true);
	});
});

describe("watchIdle with a BodyWatch: the route learns how the body ended", () => {
	function watching(extra: Partial<BodyWatch> = {}) {
		const ends: RelayEnd[] = [];
		return { ends, watch: { ...extra, onEnd: (end: RelayEnd) => ends.push(end) } };
	}

	test("complete, once", async () => {
		const { ends, watch } = watching();
		await new Response(watchIdle(body(["a\n"], "close").stream, 1000, "ndjson", watch)).text();
		expect(ends).toEqual([{ outcome: "complete" }]);
	});

	test.each([
		["gone quiet", "hang" as const, { outcome: "failed", kind: "timeout", message: "upstream went quiet for 30 ms" }],
		[
			"its connection broken",
			"break" as const,
			{ outcome: "failed", kind: "connect", message: "upstream connection lost: reset" },
		],
	])("failed: %s", async (_, end, expected) => {
		const { ends, watch } = watching();
		await new Response(watchIdle(body(["a\n"], end).stream, 30, "ndjson", watch)).text();
		expect(ends).toEqual([expected as RelayEnd]);
	});

	test("client_aborted when the client cancels", async () => {
		const { ends, watch } = watching();
		const reader = watchIdle(body(["a"], "hang").stream, 10_000, "other", watch).getReader();
		await reader.read();
		await reader.cancel();
		expect(ends).toEqual([{ outcome: "client_aborted" }]);
	});

	test("client_stalled when the client takes nothing for stallMs: the upstream body is cancelled, the body errors", async () => {
		const { ends, watch } = watching({ stallMs: 20 });
		const source = body(["a", "b"], "hang");
		const reader = watchIdle(source.stream, 10_000, "other", watch).getReader();
		expect(text((await reader.read()).value)).toBe("a");
		// Nothing more is read.
		expect(await until(() => ends.length > 0)).toBe(true);
		expect(ends).toEqual([{ outcome: "client_stalled" }]);
		expect(source.cancelled()).toBe(true);
		expect(reader.read()).rejects.toBeUndefined();
	});

	test("an SSE body cut short ends in the client's protocol, its half-written event closed first", async () => {
		const { watch } = watching({ sseEnding: (message) => `event: error\ndata: ${JSON.stringify({ message })}\n\n` });
		const watched = watchIdle(body(["event: ping\ndata: {"], "hang").stream, 30, "sse", watch);
		expect(await new Response(watched).text()).toBe(
			'event: ping\ndata: {\n\nevent: error\ndata: {"message":"upstream went quiet for 30 ms"}\n\n',
		);
	});
});

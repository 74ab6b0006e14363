import { describe, expect, test } from "bun:test";
import { quietEnding, watchIdle } from "../../src/upstream/idle-watch.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

/** A body that sends the given pieces, then ends or stays open. */
function body(pieces: string[], end: "close" | "hang") {
	let cancelled = false;
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			for (const piece of pieces) controller.enqueue(bytes(piece));
			if (end === "close") controller.close();
		},
		cancel() {
			cancelled = true;
		},
	});
	return { stream, cancelled: () => cancelled };
}

describe("quietEnding", () => {
	test.each([
		["text/event-stream", 'data: {"error":{"message":"quiet","type":"api_error","param":null,"code":null}}\n\n'],
		["application/x-ndjson", '{"error":"quiet"}\n'],
		["application/json; charset=utf-8", undefined],
		[null, undefined],
	])("%s → %j", (type, ending) => {
		expect(text(quietEnding(type, "quiet"))).toBe(ending);
	});
});

describe("watchIdle", () => {
	test("relays every piece and ends with the body", async () => {
		const source = body(["a", "b"], "close");
		expect(await new Response(watchIdle(source.stream, 1000, undefined, "quiet")).text()).toBe("ab");
	});

	test("a quiet body ends with its ending, and the upstream body is cancelled", async () => {
		const source = body(["a"], "hang");
		const watched = watchIdle(source.stream, 30, bytes("END\n"), "quiet");
		expect(await new Response(watched).text()).toBe("aEND\n");
		expect(source.cancelled()).toBe(true);
	});

	test("a quiet body without an ending format errors", async () => {
		const source = body(["a"], "hang");
		const reader = watchIdle(source.stream, 30, undefined, "quiet for 30 ms").getReader();
		expect(text((await reader.read()).value)).toBe("a");
		expect(reader.read()).rejects.toThrow("quiet for 30 ms");
	});

	test("cancelling the watched body cancels the upstream body", async () => {
		const source = body(["a"], "hang");
		const reader = watchIdle(source.stream, 10_000, undefined, "quiet").getReader();
		await reader.read();
		await reader.cancel();
		expect(source.cancelled()).toBe(true);
	});
});

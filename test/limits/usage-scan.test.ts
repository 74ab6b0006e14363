/** Usage read from relayed bytes in every dialect, however the bytes are split. */
import { describe, expect, test } from "bun:test";
import { UsageScan } from "../../src/limits/usage-scan.ts";
import { anthropicSse, chunk, responsesSse, usageChunk } from "../support/upstream.ts";

const encoder = new TextEncoder();

/** Scans `text` cut into pieces of `size` bytes. */
function scan(text: string, size = text.length) {
	const s = new UsageScan();
	const bytes = encoder.encode(text);
	for (let i = 0; i < bytes.length; i += size) s.push(bytes.subarray(i, i + size));
	return { prompt: s.prompt, completion: s.completion, deltas: s.deltas };
}

const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("");
const openai = sse(
	chunk({ role: "assistant", content: "" }),
	chunk({ content: "a" }),
	chunk({}, "stop"),
	usageChunk(7, 2),
);

describe("UsageScan", () => {
	test.each([1, 2, 3, 7, 64, 100_000])("OpenAI SSE split every %p bytes", (size) => {
		expect(scan(`${openai}data: [DONE]\n\n`, size)).toEqual({ prompt: 7, completion: 2, deltas: 3 });
	});

	test.each([1, 5, 100_000])(
		"Anthropic SSE split every %p bytes: input from message_start, output from message_delta",
		(size) => {
			expect(scan(anthropicSse("m", "Hello world"), size)).toEqual({ prompt: 5, completion: 2, deltas: 2 });
		},
	);

	test.each([1, 100_000])("Responses SSE split every %p bytes", (size) => {
		expect(scan(responsesSse("m", "Hello world"), size)).toEqual({ prompt: 5, completion: 2, deltas: 1 });
	});

	test("a whole JSON answer, a real Ollama's last line, an embedding", () => {
		expect(scan('{"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}')).toEqual({
			prompt: 12,
			completion: 34,
			deltas: 0,
		});
		expect(scan('{"done":true,"prompt_eval_count":8,"eval_count":9}\n')).toEqual({
			prompt: 8,
			completion: 9,
			deltas: 0,
		});
		expect(scan('{"usage":{"prompt_tokens":3,"total_tokens":3}}')).toEqual({
			prompt: 3,
			completion: undefined,
			deltas: 0,
		});
	});

	test("a field name inside generated text is escaped and never counts", () => {
		const text = JSON.stringify({ content: '"output_tokens": 999, "delta": 1' });
		expect(scan(text, 3)).toEqual({ prompt: undefined, completion: undefined, deltas: 0 });
	});

	test("details fields do not count as the totals", () => {
		const usage = { prompt_tokens: 5, prompt_tokens_details: { cached_tokens: 4 }, cache_read_input_tokens: 3 };
		expect(scan(JSON.stringify(usage), 4)).toEqual({ prompt: 5, completion: undefined, deltas: 0 });
	});
});

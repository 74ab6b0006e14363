import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import { chatPiece, type Piece } from "../../../src/core/upstream-chunks.ts";
import type { Clock } from "../../../src/lib/clock.ts";
import type { StreamContext } from "../../../src/protocols/ollama/stream.ts";
import { chunk, type Delta, finish, feed as items, piecesOf, toolCalls, usage } from "../../support/chunks.ts";
import { chatStream, generateStream } from "../../support/streams.ts";

/** The pieces the routes hand to the stream translators, from chat chunks. */
const feed = (chunks: readonly ChatCompletionChunk[]): AsyncIterable<Piece> => piecesOf(items(chunks), chatPiece);

/**
 * A clock whose monotonic readings are 10 ms, 20 ms, 30 ms, … and whose wall time starts at
 * 2025-10-26T17:21:21.196Z and moves 1 ms per reading.
 */
function fakeClock(): Clock {
	let ns = 0;
	let ms = Date.UTC(2025, 9, 26, 17, 21, 21, 196);
	return {
		nowNs: () => {
			ns += 10_000_000;
			return ns;
		},
		wallTime: () => new Date(ms++),
	};
}

/** The request arrived at 1 ms and the upstream request went out at 3 ms. */
function context(model = "llama3.2", hideThinking = false): StreamContext {
	return { model, clock: fakeClock(), requestStart: 1_000_000, upstreamStart: 3_000_000, hideThinking };
}

/** The NDJSON lines a client would read, byte for byte, and the error that ended the stream, if any. */
async function ndjson(
	objects: AsyncIterable<unknown>,
): Promise<{ lines: string[]; error?: { status: number; message: string } }> {
	const lines: string[] = [];
	try {
		for await (const object of objects) lines.push(JSON.stringify(object));
	} catch (error) {
		expect(error).toBeInstanceOf(ProxyError);
		return { lines, error: { status: (error as ProxyError).status, message: (error as ProxyError).message } };
	}
	return { lines };
}

// First token at 10 ms, end at 20 ms: total 19 ms, load 2 ms, prompt eval 7 ms, eval 10 ms.
const METRICS_TEXT = '"total_duration":19000000,"load_duration":2000000';
// No token at all, end at 10 ms: the first token is the end, so eval takes the 1 ns floor.
const METRICS_NO_TEXT = '"total_duration":9000000,"load_duration":2000000';

describe("chatStream: the NDJSON objects of /api/chat", () => {
	test.each<{ kind: string; model?: string; chunks: ChatCompletionChunk[]; lines: string[] }>([
		{
			kind: "content chunks, then a final object with done_reason and the six metrics",
			chunks: [
				chunk({ role: "assistant", content: "" }),
				chunk({ content: "Hel" }),
				chunk({ content: "lo" }),
				finish("stop"),
				usage(26, 2),
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Hel"},"done":false}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":"lo"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.198Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":26,"prompt_eval_duration":7000000,"eval_count":2,"eval_duration":10000000}`,
			],
		},
		{
			kind: "the model is echoed as the client spelled it",
			model: "GPT-4o:Latest",
			chunks: [chunk({ content: "Hi" }), finish("stop"), usage(1, 1)],
			lines: [
				'{"model":"GPT-4o:Latest","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Hi"},"done":false}',
				`{"model":"GPT-4o:Latest","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":1,"prompt_eval_duration":7000000,"eval_count":1,"eval_duration":10000000}`,
			],
		},
		{
			kind: "reasoning_content is `thinking` with empty content",
			chunks: [chunk({ reasoning_content: "Let me" }), chunk({ content: "42" }), finish("stop"), usage(10, 5)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"","thinking":"Let me"},"done":false}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":"42"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.198Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":10,"prompt_eval_duration":7000000,"eval_count":5,"eval_duration":10000000}`,
			],
		},
		{
			kind: "reasoning is `thinking` too, next to content in the same object",
			chunks: [chunk({ reasoning: "Hmm", content: "Yes" }), finish("stop"), usage(2, 2)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Yes","thinking":"Hmm"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":2,"prompt_eval_duration":7000000,"eval_count":2,"eval_duration":10000000}`,
			],
		},
		{
			kind: 'finish_reason "length" is done_reason "length"',
			chunks: [chunk({ content: "Once" }), finish("length"), usage(4, 1)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Once"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length",${METRICS_TEXT},"prompt_eval_count":4,"prompt_eval_duration":7000000,"eval_count":1,"eval_duration":10000000}`,
			],
		},
		{
			kind: 'tool calls go out whole before the final object, which keeps done_reason "stop"',
			chunks: [
				chunk({ role: "assistant", content: null }),
				toolCalls({
					index: 0,
					id: "call_k3x9a0bq",
					type: "function",
					function: { name: "get_weather", arguments: "" },
				}),
				toolCalls({ index: 0, function: { arguments: '{"city":' } }),
				toolCalls({ index: 0, function: { arguments: '"Tokyo"}' } }),
				finish("tool_calls"),
				usage(80, 20),
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_k3x9a0bq","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_NO_TEXT},"prompt_eval_count":80,"prompt_eval_duration":7000000,"eval_count":20,"eval_duration":1}`,
			],
		},
		{
			kind: "text, then interleaved tool calls in index order",
			chunks: [
				chunk({ content: "Checking." }),
				toolCalls({ index: 1, id: "call_b", function: { name: "get_time", arguments: '{"tz":"UTC"}' } }),
				toolCalls({ index: 0, id: "call_a", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }),
				finish("tool_calls"),
				usage(12, 9),
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Checking."},"done":false}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_a","function":{"index":0,"name":"get_weather","arguments":{"city":"Rome"}}},{"id":"call_b","function":{"index":1,"name":"get_time","arguments":{"tz":"UTC"}}}]},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.198Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":12,"prompt_eval_duration":7000000,"eval_count":9,"eval_duration":10000000}`,
			],
		},
		{
			kind: "a whole answer (stream: false) is one chunk with its usage: the upstream's whole wait is generation",
			chunks: [{ ...chunk({ role: "assistant", content: "Hello" }, "stop"), usage: usage(7, 2).usage }],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Hello"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":7,"prompt_eval_duration":1,"eval_count":2,"eval_duration":17000000}`,
			],
		},
		{
			kind: "a whole answer of tool calls alone is timed the same way",
			chunks: [
				{
					...chunk(
						{ role: "assistant", tool_calls: [{ index: 0, id: "call_a", function: { name: "now", arguments: "{}" } }] },
						"tool_calls",
					),
					usage: usage(9, 4).usage,
				},
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_a","function":{"index":0,"name":"now","arguments":{}}}]},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_NO_TEXT},"prompt_eval_count":9,"prompt_eval_duration":1,"eval_count":4,"eval_duration":7000000}`,
			],
		},
		{
			kind: "no usage chunk: counts are 0 but still present",
			chunks: [finish("stop")],
			lines: [
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_NO_TEXT},"prompt_eval_count":0,"prompt_eval_duration":7000000,"eval_count":0,"eval_duration":1}`,
			],
		},
	])("$kind", async ({ model, chunks, lines }) => {
		expect(await ndjson(chatStream(feed(chunks), context(model)))).toEqual({ lines });
	});
});

describe("generateStream: the NDJSON objects of /api/generate", () => {
	test.each<{ kind: string; chunks: ChatCompletionChunk[]; lines: string[] }>([
		{
			kind: "response chunks, then a final object with done_reason, an empty context and the six metrics",
			chunks: [
				chunk({ role: "assistant", content: "" }),
				chunk({ content: "The" }),
				chunk({ content: " sky" }),
				finish("stop"),
				usage(26, 2),
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"The","done":false}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":" sky","done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.198Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_TEXT},"prompt_eval_count":26,"prompt_eval_duration":7000000,"eval_count":2,"eval_duration":10000000}`,
			],
		},
		{
			kind: "thinking is a top-level key after response, only when there is some",
			chunks: [
				chunk({ reasoning_content: "Let me" }),
				chunk({ reasoning: "Hmm", content: "Blue" }),
				chunk({ content: "." }),
				finish("stop"),
				usage(10, 5),
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"","thinking":"Let me","done":false}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":"Blue","thinking":"Hmm","done":false}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.198Z","response":".","done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.199Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_TEXT},"prompt_eval_count":10,"prompt_eval_duration":7000000,"eval_count":5,"eval_duration":10000000}`,
			],
		},
		{
			kind: 'finish_reason "length" is done_reason "length"',
			chunks: [chunk({ content: "Once" }, "length"), usage(4, 1)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"Once","done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":"","done":true,"done_reason":"length","context":[],${METRICS_TEXT},"prompt_eval_count":4,"prompt_eval_duration":7000000,"eval_count":1,"eval_duration":10000000}`,
			],
		},
		{
			kind: "a whole answer (stream: false): the upstream's whole wait is generation",
			chunks: [{ ...chunk({ content: "Blue." }, "stop"), usage: usage(5, 2).usage }],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"Blue.","done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_TEXT},"prompt_eval_count":5,"prompt_eval_duration":1,"eval_count":2,"eval_duration":17000000}`,
			],
		},
		{
			kind: "no text at all: the final object alone",
			chunks: [finish("stop"), usage(3, 0)],
			lines: [
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_NO_TEXT},"prompt_eval_count":3,"prompt_eval_duration":7000000,"eval_count":0,"eval_duration":1}`,
			],
		},
	])("$kind", async ({ chunks, lines }) => {
		expect(await ndjson(generateStream(feed(chunks), context()))).toEqual({ lines });
	});
});

describe("a broken upstream answer ends the stream with a 502 and never a done object", () => {
	const CUT_SHORT = { status: 502, message: "upstream stream ended before the answer was complete" };
	const BAD_ARGUMENTS = { status: 502, message: 'upstream returned invalid tool call arguments for "get_weather"' };

	test.each<{
		kind: string;
		stream: (pieces: AsyncIterable<Piece>, ctx: StreamContext) => AsyncIterable<unknown>;
		chunks: ChatCompletionChunk[];
		lines: string[];
		error: { status: number; message: string };
	}>([
		{
			kind: "chat: cut before the finish reason",
			stream: chatStream,
			chunks: [chunk({ content: "Hel" })],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Hel"},"done":false}',
			],
			error: CUT_SHORT,
		},
		{
			kind: "chat: invalid tool-call arguments",
			stream: chatStream,
			chunks: [
				toolCalls({ index: 0, id: "call_a", function: { name: "get_weather", arguments: "{oops" } }),
				finish("tool_calls"),
			],
			lines: [],
			error: BAD_ARGUMENTS,
		},
		{
			kind: "generate: cut before the finish reason",
			stream: generateStream,
			chunks: [chunk({ content: "The" }), usage(2, 1)],
			lines: ['{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"The","done":false}'],
			error: CUT_SHORT,
		},
		{ kind: "generate: an empty stream", stream: generateStream, chunks: [], lines: [], error: CUT_SHORT },
	])("$kind", async ({ stream, chunks, lines, error }) => {
		expect(await ndjson(stream(feed(chunks), context()))).toEqual({ lines, error });
	});
});

/** A chat chunk whose one choice carries the log-probabilities of one token. */
function tokenChunk(content: string, logprob: number, bytes: number[]): ChatCompletionChunk {
	return {
		...chunk({ content }),
		choices: [
			{
				index: 0,
				delta: { content },
				finish_reason: null,
				logprobs: { content: [{ token: content, logprob, bytes, top_logprobs: [] }], refusal: null },
			},
		],
	};
}

describe("chatStream and generateStream: log-probabilities go last on the delta objects", () => {
	test.each<{
		kind: string;
		stream: (pieces: AsyncIterable<Piece>, ctx: StreamContext) => AsyncIterable<unknown>;
		chunks: ChatCompletionChunk[];
		lines: string[];
	}>([
		{
			kind: "chat",
			stream: chatStream,
			chunks: [tokenChunk("Hi", -0.01, [72, 105]), chunk({ content: "!" }), finish("stop"), usage(3, 2)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"Hi"},"done":false,"logprobs":[{"token":"Hi","logprob":-0.01,"bytes":[72,105]}]}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":"!"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.198Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":3,"prompt_eval_duration":7000000,"eval_count":2,"eval_duration":10000000}`,
			],
		},
		{
			kind: "generate",
			stream: generateStream,
			chunks: [tokenChunk("Hi", -0.5, []), finish("stop"), usage(3, 1)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"Hi","done":false,"logprobs":[{"token":"Hi","logprob":-0.5}]}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_TEXT},"prompt_eval_count":3,"prompt_eval_duration":7000000,"eval_count":1,"eval_duration":10000000}`,
			],
		},
		{
			kind: "generate: thinking before done, logprobs after",
			stream: generateStream,
			chunks: [
				{
					...tokenChunk("x", -1, [120]),
					choices: [
						{
							index: 0,
							delta: { content: "x", reasoning: "why" } as Delta,
							finish_reason: null,
							logprobs: { content: [{ token: "x", logprob: -1, bytes: [120], top_logprobs: [] }], refusal: null },
						},
					],
				},
				finish("stop"),
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"x","thinking":"why","done":false,"logprobs":[{"token":"x","logprob":-1,"bytes":[120]}]}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_TEXT},"prompt_eval_count":0,"prompt_eval_duration":7000000,"eval_count":0,"eval_duration":10000000}`,
			],
		},
	])("$kind", async ({ stream, chunks, lines }) => {
		expect(await ndjson(stream(feed(chunks), context()))).toEqual({ lines });
	});
});

describe("chatStream and generateStream: <think> tags and hideThinking", () => {
	test.each<{
		kind: string;
		stream: (pieces: AsyncIterable<Piece>, ctx: StreamContext) => AsyncIterable<unknown>;
		hideThinking: boolean;
		chunks: ChatCompletionChunk[];
		lines: string[];
	}>([
		{
			kind: "chat: a leading think block is `thinking`, split across chunks",
			stream: chatStream,
			hideThinking: false,
			chunks: [chunk({ content: "<think>Let" }), chunk({ content: " me</think>\n\n42" }), finish("stop"), usage(5, 4)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"","thinking":"Let"},"done":false}',
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":"42","thinking":" me"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.198Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":5,"prompt_eval_duration":7000000,"eval_count":4,"eval_duration":10000000}`,
			],
		},
		{
			kind: "chat: hideThinking drops reasoning and think blocks; the first token is the first shown one",
			stream: chatStream,
			hideThinking: true,
			chunks: [
				chunk({ reasoning_content: "secret" }),
				chunk({ content: "<think>also secret</think>" }),
				chunk({ content: "42" }),
				finish("stop"),
				usage(5, 4),
			],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","message":{"role":"assistant","content":"42"},"done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_TEXT},"prompt_eval_count":5,"prompt_eval_duration":7000000,"eval_count":4,"eval_duration":10000000}`,
			],
		},
		{
			kind: "generate: an unterminated think block is `thinking` at the end",
			stream: generateStream,
			hideThinking: false,
			chunks: [chunk({ content: "<think>Hmm" }), finish("length"), usage(2, 9)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"","thinking":"Hmm","done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":"","done":true,"done_reason":"length","context":[],${METRICS_TEXT},"prompt_eval_count":2,"prompt_eval_duration":7000000,"eval_count":9,"eval_duration":10000000}`,
			],
		},
		{
			kind: "generate: hideThinking drops the reasoning",
			stream: generateStream,
			hideThinking: true,
			chunks: [chunk({ reasoning: "Hmm", content: "Blue" }), finish("stop"), usage(2, 2)],
			lines: [
				'{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"Blue","done":false}',
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.197Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_TEXT},"prompt_eval_count":2,"prompt_eval_duration":7000000,"eval_count":2,"eval_duration":10000000}`,
			],
		},
		{
			kind: "generate: only hidden thinking is the final object alone",
			stream: generateStream,
			hideThinking: true,
			chunks: [chunk({ reasoning: "Hmm" }), finish("stop"), usage(2, 2)],
			lines: [
				`{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_NO_TEXT},"prompt_eval_count":2,"prompt_eval_duration":7000000,"eval_count":2,"eval_duration":1}`,
			],
		},
	])("$kind", async ({ stream, hideThinking, chunks, lines }) => {
		expect(await ndjson(stream(feed(chunks), context("llama3.2", hideThinking)))).toEqual({ lines });
	});
});

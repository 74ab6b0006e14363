import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Completion, CompletionUsage } from "openai/resources/completions";
import type { Logprob } from "../../src/core/logprobs.ts";
import { ProxyError } from "../../src/core/proxy-error.ts";
import { chatPiece, completionPiece, type Piece, parseToolArguments } from "../../src/core/upstream-chunks.ts";
import { doneReasonFrom, type EventOptions, type UpstreamEvent } from "../../src/protocols/ollama/events.ts";
import { chunk, type Delta, feed, finish, piecesOf, toolCalls, usage } from "../support/chunks.ts";
import { upstreamEvents } from "../support/streams.ts";

const SHOW: EventOptions = { hideThinking: false };

/** Every event up to the end of the stream or the error that ended it. */
async function drain(
	chunks: readonly ChatCompletionChunk[],
	options: EventOptions = SHOW,
): Promise<{ events: UpstreamEvent[]; error?: unknown }> {
	return drainPieces(piecesOf(feed(chunks), chatPiece), options);
}

async function drainPieces(
	pieces: AsyncIterable<Piece>,
	options: EventOptions,
): Promise<{ events: UpstreamEvent[]; error?: unknown }> {
	const events: UpstreamEvent[] = [];
	try {
		for await (const event of upstreamEvents(pieces, options)) events.push(event);
	} catch (error) {
		return { events, error };
	}
	return { events };
}

const text = (content: string, thinking = "", logprobs: Logprob[] = []): UpstreamEvent => ({
	type: "delta",
	content,
	thinking,
	logprobs,
});

function done(
	doneReason: "stop" | "length",
	calls: Extract<UpstreamEvent, { type: "done" }>["toolCalls"],
	promptTokens: number,
	completionTokens: number,
): UpstreamEvent {
	return { type: "done", doneReason, toolCalls: calls, usage: { promptTokens, completionTokens } };
}

function proxyError(error: unknown): { status: number; message: string } {
	expect(error).toBeInstanceOf(ProxyError);
	return { status: (error as ProxyError).status, message: (error as ProxyError).message };
}

describe("doneReasonFrom: `length` stays, every other finish reason is `stop`", () => {
	test.each([
		{ finishReason: "length", doneReason: "length" },
		{ finishReason: "stop", doneReason: "stop" },
		{ finishReason: "tool_calls", doneReason: "stop" },
		{ finishReason: "content_filter", doneReason: "stop" },
		{ finishReason: "function_call", doneReason: "stop" },
	])("$finishReason → $doneReason", ({ finishReason, doneReason }) => {
		expect(doneReasonFrom(finishReason)).toBe(doneReason as "stop" | "length");
	});
});

describe("parseToolArguments: argument text → the object Ollama clients require", () => {
	test.each([
		{ kind: "an object", text: '{"city":"Tokyo"}', args: { city: "Tokyo" } },
		{ kind: "key order is kept", text: '{"b":1,"a":{"z":[1,2],"y":null}}', args: { b: 1, a: { z: [1, 2], y: null } } },
		{ kind: "surrounding whitespace", text: ' \n{"x":true}\n ', args: { x: true } },
		{ kind: "no text is no arguments", text: "", args: {} },
		{ kind: "blank text is no arguments", text: " \n\t", args: {} },
		{ kind: "an empty object", text: "{}", args: {} },
	])("$kind", ({ text, args }) => {
		const parsed = parseToolArguments("get_weather", text);
		expect(parsed).toEqual(args);
		expect(JSON.stringify(parsed)).toBe(JSON.stringify(args));
	});

	test.each([
		{ kind: "truncated JSON", text: '{"city":"Tok' },
		{ kind: "not JSON", text: "city=Tokyo" },
		{ kind: "null", text: "null" },
		{ kind: "an array", text: '["Tokyo"]' },
		{ kind: "a string", text: '"Tokyo"' },
		{ kind: "a number", text: "42" },
		{ kind: "a boolean", text: "true" },
	])("$kind is a 502 naming the tool", ({ text }) => {
		let error: unknown;
		try {
			parseToolArguments("get_weather", text);
		} catch (caught) {
			error = caught;
		}
		expect(proxyError(error)).toEqual({
			status: 502,
			message: 'upstream returned invalid tool call arguments for "get_weather"',
		});
	});
});

describe("upstreamEvents: text and reasoning deltas, then one done event", () => {
	test.each<{ kind: string; chunks: ChatCompletionChunk[]; events: UpstreamEvent[] }>([
		{
			kind: "content deltas; the role-only first chunk and the empty finish chunk yield nothing",
			chunks: [
				chunk({ role: "assistant", content: "" }),
				chunk({ content: "Hel" }),
				chunk({ content: "lo" }),
				finish("stop"),
				usage(26, 2),
			],
			events: [text("Hel"), text("lo"), done("stop", [], 26, 2)],
		},
		{
			kind: "reasoning_content (DeepSeek, older vLLM) is thinking",
			chunks: [
				chunk({ role: "assistant", reasoning_content: "Let me" }),
				chunk({ reasoning_content: " think" }),
				chunk({ content: "42" }),
				finish("stop"),
				usage(10, 5),
			],
			events: [text("", "Let me"), text("", " think"), text("42"), done("stop", [], 10, 5)],
		},
		{
			kind: "reasoning (OpenRouter, newer vLLM) is thinking",
			chunks: [chunk({ reasoning: "Hmm", content: null }), chunk({ content: "Yes" }), finish("stop"), usage(3, 4)],
			events: [text("", "Hmm"), text("Yes"), done("stop", [], 3, 4)],
		},
		{
			kind: "reasoning is read when reasoning_content is null",
			chunks: [chunk({ reasoning_content: null, reasoning: "Hmm" }), finish("stop")],
			events: [text("", "Hmm"), done("stop", [], 0, 0)],
		},
		{
			kind: "content and thinking in one chunk are one event",
			chunks: [chunk({ content: "A", reasoning_content: "B" }), finish("stop")],
			events: [text("A", "B"), done("stop", [], 0, 0)],
		},
		{
			kind: "content on the finishing chunk is still delivered",
			chunks: [chunk({ content: "Bye" }, "stop"), usage(1, 1)],
			events: [text("Bye"), done("stop", [], 1, 1)],
		},
		{
			kind: 'finish_reason "length" is done_reason "length"',
			chunks: [chunk({ content: "Once upon" }), finish("length"), usage(5, 2)],
			events: [text("Once upon"), done("length", [], 5, 2)],
		},
		{
			kind: 'finish_reason "content_filter" is done_reason "stop"',
			chunks: [finish("content_filter")],
			events: [done("stop", [], 0, 0)],
		},
		{
			kind: "no usage chunk counts zero tokens",
			chunks: [chunk({ content: "Hi" }), finish("stop")],
			events: [text("Hi"), done("stop", [], 0, 0)],
		},
		{
			kind: "usage on a chunk that also has a choice is read",
			chunks: [
				chunk({ content: "Hi" }),
				{ ...finish("stop"), usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 } },
			],
			events: [text("Hi"), done("stop", [], 7, 1)],
		},
		{
			kind: "the last usage seen wins",
			chunks: [chunk({ content: "Hi" }), finish("stop"), usage(1, 1), usage(9, 3)],
			events: [text("Hi"), done("stop", [], 9, 3)],
		},
		{
			kind: "usage without token counts counts zero",
			chunks: [finish("stop"), { ...usage(0, 0), usage: { total_tokens: 3 } as CompletionUsage }],
			events: [done("stop", [], 0, 0)],
		},
		{
			kind: "a chunk without choices is skipped",
			chunks: [
				chunk({ content: "Hi" }),
				{ ...usage(0, 0), choices: undefined } as unknown as ChatCompletionChunk,
				finish("stop"),
			],
			events: [text("Hi"), done("stop", [], 0, 0)],
		},
		{
			kind: "a choice without a delta is skipped",
			chunks: [chunk({ content: "Hi" }), chunk(undefined as unknown as Delta), finish("stop")],
			events: [text("Hi"), done("stop", [], 0, 0)],
		},
		{
			kind: "empty and null content yield nothing",
			chunks: [chunk({ content: "" }), chunk({ content: null, reasoning_content: "" }), finish("stop")],
			events: [done("stop", [], 0, 0)],
		},
	])("$kind", async ({ chunks, events }) => {
		expect(await drain(chunks)).toEqual({ events });
	});
});

describe("upstreamEvents: tool-call deltas are accumulated per index and delivered whole on done", () => {
	test.each<{ kind: string; chunks: ChatCompletionChunk[]; events: UpstreamEvent[] }>([
		{
			kind: "one call with its arguments split over several chunks",
			chunks: [
				chunk({ role: "assistant", content: null }),
				toolCalls({ index: 0, id: "call_abc", type: "function", function: { name: "get_weather", arguments: "" } }),
				toolCalls({ index: 0, function: { arguments: '{"city"' } }),
				toolCalls({ index: 0, function: { arguments: ':"Tokyo"}' } }),
				finish("tool_calls"),
				usage(80, 20),
			],
			events: [
				done(
					"stop",
					[{ id: "call_abc", function: { index: 0, name: "get_weather", arguments: { city: "Tokyo" } } }],
					80,
					20,
				),
			],
		},
		{
			kind: "interleaved indices, arriving out of order, come out ordered by index",
			chunks: [
				toolCalls({ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":' } }),
				toolCalls({ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"ci' } }),
				toolCalls({ index: 1, function: { arguments: '"UTC"}' } }),
				toolCalls({ index: 0, function: { arguments: 'ty":"Paris"}' } }),
				finish("tool_calls"),
			],
			events: [
				done(
					"stop",
					[
						{ id: "call_a", function: { index: 0, name: "get_weather", arguments: { city: "Paris" } } },
						{ id: "call_b", function: { index: 1, name: "get_time", arguments: { tz: "UTC" } } },
					],
					0,
					0,
				),
			],
		},
		{
			kind: "two calls in one chunk",
			chunks: [
				toolCalls(
					{ index: 0, id: "call_a", function: { name: "a", arguments: "{}" } },
					{ index: 1, id: "call_b", function: { name: "b", arguments: '{"n":1}' } },
				),
				finish("tool_calls"),
			],
			events: [
				done(
					"stop",
					[
						{ id: "call_a", function: { index: 0, name: "a", arguments: {} } },
						{ id: "call_b", function: { index: 1, name: "b", arguments: { n: 1 } } },
					],
					0,
					0,
				),
			],
		},
		{
			kind: "a name split over chunks is joined",
			chunks: [
				toolCalls({ index: 0, id: "call_a", function: { name: "get_" } }),
				toolCalls({ index: 0, function: { name: "weather", arguments: '{"city":"Oslo"}' } }),
				finish("tool_calls"),
			],
			events: [
				done(
					"stop",
					[{ id: "call_a", function: { index: 0, name: "get_weather", arguments: { city: "Oslo" } } }],
					0,
					0,
				),
			],
		},
		{
			kind: "a name repeated on every delta is not doubled, and a repeated id is kept once",
			chunks: [
				toolCalls({ index: 0, id: "call_a", function: { name: "get_weather", arguments: '{"city":' } }),
				toolCalls({ index: 0, id: "call_a", function: { name: "get_weather", arguments: '"Oslo"}' } }),
				finish("tool_calls"),
			],
			events: [
				done(
					"stop",
					[{ id: "call_a", function: { index: 0, name: "get_weather", arguments: { city: "Oslo" } } }],
					0,
					0,
				),
			],
		},
		{
			kind: "an id that arrives after the first delta is used",
			chunks: [
				toolCalls({ index: 0, function: { name: "now" } }),
				toolCalls({ index: 0, id: "call_late", function: { arguments: "{}" } }),
				finish("tool_calls"),
			],
			events: [done("stop", [{ id: "call_late", function: { index: 0, name: "now", arguments: {} } }], 0, 0)],
		},
		{
			kind: "calls without ids get one by position; calls without arguments get {}",
			chunks: [
				toolCalls({ index: 0, function: { name: "now" } }, { index: 1, function: { name: "today" } }),
				finish("tool_calls"),
			],
			events: [
				done(
					"stop",
					[
						{ id: "call_0", function: { index: 0, name: "now", arguments: {} } },
						{ id: "call_1", function: { index: 1, name: "today", arguments: {} } },
					],
					0,
					0,
				),
			],
		},
		{
			kind: "text before the calls is delivered as it arrives",
			chunks: [
				chunk({ content: "Let me check." }),
				toolCalls({ index: 0, id: "call_a", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }),
				finish("tool_calls"),
				usage(12, 9),
			],
			events: [
				text("Let me check."),
				done(
					"stop",
					[{ id: "call_a", function: { index: 0, name: "get_weather", arguments: { city: "Rome" } } }],
					12,
					9,
				),
			],
		},
	])("$kind", async ({ chunks, events }) => {
		expect(await drain(chunks)).toEqual({ events });
	});
});

describe("upstreamEvents: a broken upstream answer is a 502 after what was already delivered", () => {
	const CUT_SHORT = { status: 502, message: "upstream stream ended before the answer was complete" };

	test.each<{
		kind: string;
		chunks: ChatCompletionChunk[];
		events: UpstreamEvent[];
		error: { status: number; message: string };
	}>([
		{
			kind: "the stream ends without a finish reason",
			chunks: [chunk({ content: "Hel" }), chunk({ content: "lo" })],
			events: [text("Hel"), text("lo")],
			error: CUT_SHORT,
		},
		{ kind: "an empty stream", chunks: [], events: [], error: CUT_SHORT },
		{ kind: "only a usage chunk", chunks: [usage(3, 0)], events: [], error: CUT_SHORT },
		{
			kind: "tool-call arguments that are not a JSON object",
			chunks: [
				chunk({ content: "Checking" }),
				toolCalls({ index: 0, id: "call_a", function: { name: "get_weather", arguments: '{"city":' } }),
				finish("tool_calls"),
			],
			events: [text("Checking")],
			error: { status: 502, message: 'upstream returned invalid tool call arguments for "get_weather"' },
		},
	])("$kind", async ({ chunks, events, error }) => {
		const result = await drain(chunks);
		expect(result.events).toEqual(events);
		expect(proxyError(result.error)).toEqual(error);
	});
});

const NO_PIECE: Piece = { content: "", reasoning: "", toolCalls: [], finishReason: null, logprobs: [] };

const HI_LOGPROBS = {
	content: [
		{
			token: "Hi",
			logprob: -0.01,
			bytes: [72, 105],
			top_logprobs: [
				{ token: "Hi", logprob: -0.01, bytes: [72, 105] },
				{ token: "Hey", logprob: -4.5, bytes: [] },
			],
		},
	],
	refusal: null,
};
const HI_OLLAMA: Logprob[] = [
	{
		token: "Hi",
		logprob: -0.01,
		bytes: [72, 105],
		top_logprobs: [
			{ token: "Hi", logprob: -0.01, bytes: [72, 105] },
			{ token: "Hey", logprob: -4.5 },
		],
	},
];

/** A chat chunk whose one choice carries log-probabilities. */
function withLogprobs(delta: Delta, logprobs: ChatCompletionChunk.Choice["logprobs"]): ChatCompletionChunk {
	const base = chunk(delta);
	return { ...base, choices: [{ index: 0, delta, finish_reason: null, logprobs }] };
}

describe("chatPiece: what one chat-completion chunk says", () => {
	test.each<{ kind: string; chunk: ChatCompletionChunk; piece: Piece }>([
		{ kind: "a role-only chunk says nothing", chunk: chunk({ role: "assistant", content: "" }), piece: NO_PIECE },
		{ kind: "content", chunk: chunk({ content: "Hi" }), piece: { ...NO_PIECE, content: "Hi" } },
		{
			kind: "reasoning_content is reasoning",
			chunk: chunk({ reasoning_content: "Let me" }),
			piece: { ...NO_PIECE, reasoning: "Let me" },
		},
		{
			kind: "reasoning_content wins over reasoning",
			chunk: chunk({ reasoning_content: "A", reasoning: "B" }),
			piece: { ...NO_PIECE, reasoning: "A" },
		},
		{
			kind: "an empty reasoning_content falls back to reasoning",
			chunk: chunk({ reasoning_content: "", reasoning: "B" }),
			piece: { ...NO_PIECE, reasoning: "B" },
		},
		{
			kind: "reasoning wins over the reasoning_details that repeat it",
			chunk: chunk({ reasoning: "Hmm", reasoning_details: [{ type: "reasoning.text", text: "Hmm" }] }),
			piece: { ...NO_PIECE, reasoning: "Hmm" },
		},
		{
			kind: "reasoning_details text alone is reasoning, joined in order",
			chunk: chunk({
				reasoning_details: [
					{ type: "reasoning.text", text: "First, " },
					{ type: "reasoning.text", text: "second." },
				],
			}),
			piece: { ...NO_PIECE, reasoning: "First, second." },
		},
		{
			kind: "a reasoning_details summary counts when there is no text",
			chunk: chunk({
				reasoning_details: [
					{ type: "reasoning.summary", summary: "In short: " },
					{ type: "reasoning.text", text: null, summary: "yes" },
				],
			}),
			piece: { ...NO_PIECE, reasoning: "In short: yes" },
		},
		{
			kind: "text wins over summary in one detail",
			chunk: chunk({ reasoning_details: [{ text: "full", summary: "short" }] }),
			piece: { ...NO_PIECE, reasoning: "full" },
		},
		{
			kind: "reasoning_details without text or summary (encrypted) are no reasoning",
			chunk: chunk({ reasoning_details: [{ type: "reasoning.encrypted" }] }),
			piece: NO_PIECE,
		},
		{
			kind: "null reasoning_details are no reasoning",
			chunk: chunk({ reasoning: null, reasoning_details: null }),
			piece: NO_PIECE,
		},
		{
			kind: "tool-call deltas as they came",
			chunk: toolCalls({ index: 0, id: "call_a", function: { name: "f", arguments: "{" } }),
			piece: { ...NO_PIECE, toolCalls: [{ index: 0, id: "call_a", function: { name: "f", arguments: "{" } }] },
		},
		{ kind: "the finish reason", chunk: finish("length"), piece: { ...NO_PIECE, finishReason: "length" } },
		{
			kind: "usage, with its counts",
			chunk: usage(26, 2),
			piece: { ...NO_PIECE, usage: { promptTokens: 26, completionTokens: 2 } },
		},
		{
			kind: "usage without counts counts zero",
			chunk: { ...usage(0, 0), usage: {} as CompletionUsage },
			piece: { ...NO_PIECE, usage: { promptTokens: 0, completionTokens: 0 } },
		},
		{
			kind: "log-probabilities in Ollama's shape",
			chunk: withLogprobs({ content: "Hi" }, HI_LOGPROBS),
			piece: { ...NO_PIECE, content: "Hi", logprobs: HI_OLLAMA },
		},
		{
			kind: "null log-probabilities are none",
			chunk: withLogprobs({ content: "Hi" }, null),
			piece: { ...NO_PIECE, content: "Hi" },
		},
		{
			kind: "a chunk without choices says nothing",
			chunk: { ...usage(0, 0), choices: undefined, usage: undefined } as unknown as ChatCompletionChunk,
			piece: NO_PIECE,
		},
		{
			kind: "a choice without a delta says nothing",
			chunk: chunk(undefined as unknown as Delta, "stop"),
			piece: { ...NO_PIECE, finishReason: "stop" },
		},
	])("$kind", ({ chunk, piece }) => {
		expect(chatPiece(chunk)).toEqual(piece);
	});
});

type CompletionChoice = Completion["choices"][number];

/** One legacy completions chunk (fill-in-the-middle) with a single choice. */
function completion(
	text: string,
	finishReason: CompletionChoice["finish_reason"] | null = null,
	logprobs: CompletionChoice["logprobs"] = null,
): Completion {
	return {
		id: "cmpl-1",
		object: "text_completion",
		created: 1_700_000_000,
		model: "codestral-latest",
		choices: [{ index: 0, text, finish_reason: finishReason as CompletionChoice["finish_reason"], logprobs }],
	};
}

function completionUsage(promptTokens: number, completionTokens: number): Completion {
	return {
		...completion(""),
		choices: [],
		usage: {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens,
		},
	};
}

describe("completionPiece: what one legacy completions chunk says", () => {
	test.each<{ kind: string; chunk: Completion; piece: Piece }>([
		{
			kind: "text is content",
			chunk: completion("    return a + b"),
			piece: { ...NO_PIECE, content: "    return a + b" },
		},
		{ kind: "the finish reason", chunk: completion("", "length"), piece: { ...NO_PIECE, finishReason: "length" } },
		{
			kind: "usage",
			chunk: completionUsage(12, 7),
			piece: { ...NO_PIECE, usage: { promptTokens: 12, completionTokens: 7 } },
		},
		{
			kind: "the parallel logprob arrays, zipped",
			chunk: completion("ab", null, {
				tokens: ["a", "b"],
				token_logprobs: [-0.5, -1],
				top_logprobs: [{ a: -0.5, c: -3 }, { b: -1 }],
				text_offset: [0, 1],
			}),
			piece: {
				...NO_PIECE,
				content: "ab",
				logprobs: [
					{
						token: "a",
						logprob: -0.5,
						top_logprobs: [
							{ token: "a", logprob: -0.5 },
							{ token: "c", logprob: -3 },
						],
					},
					{ token: "b", logprob: -1, top_logprobs: [{ token: "b", logprob: -1 }] },
				],
			},
		},
		{
			kind: "a choice without text says nothing",
			chunk: { ...completion(""), choices: [{ index: 0 } as CompletionChoice] },
			piece: NO_PIECE,
		},
		{
			kind: "a chunk without choices says nothing",
			chunk: { ...completion(""), choices: undefined } as unknown as Completion,
			piece: NO_PIECE,
		},
	])("$kind", ({ chunk, piece }) => {
		expect(completionPiece(chunk)).toEqual(piece);
	});
});

describe("upstreamEvents: a leading <think> block in the content is thinking", () => {
	test.each<{ kind: string; chunks: ChatCompletionChunk[]; events: UpstreamEvent[] }>([
		{
			kind: "tags split across chunks; the blank lines before the answer are dropped",
			chunks: [
				chunk({ role: "assistant", content: "<thi" }),
				chunk({ content: "nk>Let me" }),
				chunk({ content: " think</th" }),
				chunk({ content: "ink>\n\n42" }),
				finish("stop"),
				usage(10, 8),
			],
			events: [text("", "Let me"), text("", " think"), text("42"), done("stop", [], 10, 8)],
		},
		{
			kind: "whitespace before <think> is dropped",
			chunks: [chunk({ content: "\n" }), chunk({ content: "<think>Hm</think>Yes" }), finish("stop")],
			events: [text("Yes", "Hm"), done("stop", [], 0, 0)],
		},
		{
			kind: "an unterminated think block is thinking, delivered before done",
			chunks: [chunk({ content: "<think>Still going</" }), finish("length"), usage(3, 9)],
			events: [text("", "Still going"), text("", "</"), done("length", [], 3, 9)],
		},
		{
			kind: "a partial open tag held to the end is content",
			chunks: [chunk({ content: "<th" }), finish("stop")],
			events: [text("<th"), done("stop", [], 0, 0)],
		},
		{
			kind: "content that mentions <think> later is left alone",
			chunks: [chunk({ content: "Use " }), chunk({ content: "<think>x</think>" }), finish("stop")],
			events: [text("Use "), text("<think>x</think>"), done("stop", [], 0, 0)],
		},
		{
			kind: "reasoning fields and a think block are both thinking, reasoning first",
			chunks: [chunk({ reasoning: "R", content: "<think>T</think>C" }), finish("stop")],
			events: [text("C", "RT"), done("stop", [], 0, 0)],
		},
	])("$kind", async ({ chunks, events }) => {
		expect(await drain(chunks)).toEqual({ events });
	});
});

describe("upstreamEvents: hideThinking passes no thinking on, wherever the upstream put it", () => {
	const HIDE: EventOptions = { hideThinking: true };

	test.each<{ kind: string; chunks: ChatCompletionChunk[]; events: UpstreamEvent[] }>([
		{
			kind: "reasoning_content and reasoning are dropped, and so are chunks with nothing else",
			chunks: [
				chunk({ reasoning_content: "Let me" }),
				chunk({ reasoning: "Hmm", content: "Yes" }),
				chunk({ reasoning_details: [{ text: "more" }] }),
				finish("stop"),
				usage(4, 6),
			],
			events: [text("Yes"), done("stop", [], 4, 6)],
		},
		{
			kind: "a think block is dropped, the answer kept",
			chunks: [chunk({ content: "<think>secret" }), chunk({ content: "</think>\n\nAnswer" }), finish("stop")],
			events: [text("Answer"), done("stop", [], 0, 0)],
		},
		{
			kind: "an unterminated think block is dropped at the end",
			chunks: [chunk({ content: "<think>never closed" }), finish("length")],
			events: [done("length", [], 0, 0)],
		},
		{
			kind: "tool calls still arrive",
			chunks: [
				chunk({ reasoning: "I should call it" }),
				toolCalls({ index: 0, id: "call_a", function: { name: "now", arguments: "{}" } }),
				finish("tool_calls"),
			],
			events: [done("stop", [{ id: "call_a", function: { index: 0, name: "now", arguments: {} } }], 0, 0)],
		},
	])("$kind", async ({ chunks, events }) => {
		expect(await drain(chunks, HIDE)).toEqual({ events });
	});
});

describe("upstreamEvents: log-probabilities ride on the deltas", () => {
	test.each<{ kind: string; chunks: ChatCompletionChunk[]; events: UpstreamEvent[] }>([
		{
			kind: "content with its log-probabilities",
			chunks: [withLogprobs({ content: "Hi" }, HI_LOGPROBS), finish("stop"), usage(1, 1)],
			events: [text("Hi", "", HI_OLLAMA), done("stop", [], 1, 1)],
		},
		{
			kind: "log-probabilities alone are still a delta",
			chunks: [withLogprobs({ content: "" }, HI_LOGPROBS), finish("stop")],
			events: [text("", "", HI_OLLAMA), done("stop", [], 0, 0)],
		},
		{
			kind: "log-probabilities of text held back by the tag splitter go out at once",
			chunks: [withLogprobs({ content: "<th" }, HI_LOGPROBS), chunk({ content: "ink>x</think>y" }), finish("stop")],
			events: [text("", "", HI_OLLAMA), text("y", "x"), done("stop", [], 0, 0)],
		},
		{
			kind: "empty log-probabilities are no delta",
			chunks: [withLogprobs({}, { content: [], refusal: null }), finish("stop")],
			events: [done("stop", [], 0, 0)],
		},
	])("$kind", async ({ chunks, events }) => {
		expect(await drain(chunks)).toEqual({ events });
	});
});

describe("upstreamEvents: a legacy completions stream (fill-in-the-middle)", () => {
	test.each<{ kind: string; chunks: Completion[]; events: UpstreamEvent[] }>([
		{
			kind: "text deltas, then done with the usage",
			chunks: [completion("    return"), completion(" a + b"), completion("", "stop"), completionUsage(12, 4)],
			events: [text("    return"), text(" a + b"), done("stop", [], 12, 4)],
		},
		{
			kind: "log-probabilities from the parallel arrays",
			chunks: [completion("a", "length", { tokens: ["a"], token_logprobs: [-0.5] })],
			events: [text("a", "", [{ token: "a", logprob: -0.5 }]), done("length", [], 0, 0)],
		},
	])("$kind", async ({ chunks, events }) => {
		expect(await drainPieces(piecesOf(feed(chunks), completionPiece), SHOW)).toEqual({ events });
	});

	test("cut short before the finish reason is a 502", async () => {
		const result = await drainPieces(piecesOf(feed([completion("par")]), completionPiece), SHOW);
		expect(result.events).toEqual([text("par")]);
		expect(proxyError(result.error)).toEqual({
			status: 502,
			message: "upstream stream ended before the answer was complete",
		});
	});
});

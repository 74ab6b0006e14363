import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { ProxyError } from "../../src/errors.ts";
import {
	doneReasonFrom,
	parseToolArguments,
	type UpstreamEvent,
	upstreamEvents,
} from "../../src/translate/upstream-events.ts";

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null; reasoning?: string | null };
type FinishReason = ChatCompletionChunk.Choice["finish_reason"];
type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;

/** One streamed chunk with a single choice. */
function chunk(delta: Delta, finishReason: FinishReason = null): ChatCompletionChunk {
	return {
		id: "chatcmpl-1",
		object: "chat.completion.chunk",
		created: 1_700_000_000,
		model: "gpt-4o",
		choices: [{ index: 0, delta, finish_reason: finishReason }],
	};
}

/** The last chunk of an answer: an empty delta and the finish reason. */
const finish = (reason: NonNullable<FinishReason>) => chunk({}, reason);

/** The usage-only chunk OpenAI sends after the finish reason when `include_usage` is on. */
function usage(promptTokens: number, completionTokens: number): ChatCompletionChunk {
	return {
		id: "chatcmpl-1",
		object: "chat.completion.chunk",
		created: 1_700_000_000,
		model: "gpt-4o",
		choices: [],
		usage: {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens,
		},
	};
}

const toolCalls = (...calls: ToolCallDelta[]) => chunk({ tool_calls: calls });

async function* feed(chunks: readonly ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk> {
	for (const c of chunks) yield c;
}

/** Every event up to the end of the stream or the error that ended it. */
async function drain(chunks: readonly ChatCompletionChunk[]): Promise<{ events: UpstreamEvent[]; error?: unknown }> {
	const events: UpstreamEvent[] = [];
	try {
		for await (const event of upstreamEvents(feed(chunks))) events.push(event);
	} catch (error) {
		return { events, error };
	}
	return { events };
}

const text = (content: string, thinking = ""): UpstreamEvent => ({ type: "delta", content, thinking });

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

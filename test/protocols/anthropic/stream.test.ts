import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { AgentUsage } from "../../../src/core/assistant-blocks.ts";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import type { SseEvent } from "../../../src/core/renderer.ts";
import { chatPiece } from "../../../src/core/upstream-chunks.ts";
import { randomId } from "../../../src/lib/random-id.ts";
import { stopReasonOf } from "../../../src/protocols/anthropic/stop-reasons.ts";
import { renderer as anthropicRenderer, anthropicUsage } from "../../../src/protocols/anthropic/stream.ts";
import { chunk, finish, toolCalls, usage } from "../../support/chunks.ts";

const MODEL = "claude-sonnet-4-5";
const ESTIMATE = 42;

const newRenderer = () => anthropicRenderer({ model: MODEL, requestId: "req_1", estimatedInputTokens: ESTIMATE });

/** Every event of a streamed answer, after message_start and ping. */
function streamed(chunks: readonly ChatCompletionChunk[]) {
	const renderer = newRenderer();
	const [start, ping, ...none] = renderer.start();
	expect(none).toEqual([]);
	expect(ping).toEqual({ event: "ping", data: { type: "ping" } });
	const events = [...chunks.flatMap((c) => renderer.push(chatPiece(c))), ...renderer.finish()];
	return { start: start as SseEvent, events, renderer };
}

/** The events in a compact form: the SSE event name must equal data.type, so only data is kept. */
function datas(events: readonly SseEvent[]) {
	for (const e of events) expect(e.event).toBe(e.data.type as string);
	return events.map((e) => e.data);
}

const blockStart = (index: number, content_block: Record<string, unknown>) => ({
	type: "content_block_start",
	index,
	content_block,
});
const textDelta = (index: number, text: string) => ({
	type: "content_block_delta",
	index,
	delta: { type: "text_delta", text },
});
const thinkingDelta = (index: number, thinking: string) => ({
	type: "content_block_delta",
	index,
	delta: { type: "thinking_delta", thinking },
});
const jsonDelta = (index: number, partial_json: string) => ({
	type: "content_block_delta",
	index,
	delta: { type: "input_json_delta", partial_json },
});
const blockStop = (index: number) => ({ type: "content_block_stop", index });
const messageEnd = (stop_reason: string, usage: Record<string, number>, stop_sequence: string | null = null) => [
	{ type: "message_delta", delta: { stop_reason, stop_sequence }, usage },
	{ type: "message_stop" },
];
const TEXT = { type: "text", text: "" };
const THINKING = { type: "thinking", thinking: "", signature: "" };

describe("anthropicRenderer: the streamed event sequence", () => {
	test("message_start carries the id, the model as sent, an empty answer and the input estimate", () => {
		const { start, renderer } = streamed([chunk({ content: "pong" }), finish("stop")]);
		expect(start.event).toBe("message_start");
		const message = start.data.message as Record<string, unknown>;
		expect(message.id).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(message).toEqual({
			id: message.id,
			type: "message",
			role: "assistant",
			model: MODEL,
			content: [],
			stop_reason: null,
			stop_sequence: null,
			usage: { input_tokens: ESTIMATE, output_tokens: 0 },
		});
		expect(renderer.whole().id).toBe(message.id as string);
	});

	test.each<[string, ChatCompletionChunk[], Record<string, unknown>[]]>([
		[
			"text, then the upstream's usage (contract case 1)",
			[chunk({ role: "assistant", content: "" }), chunk({ content: "pong" }), finish("stop"), usage(9000, 2)],
			[
				blockStart(0, TEXT),
				textDelta(0, "pong"),
				blockStop(0),
				...messageEnd("end_turn", { input_tokens: 9000, output_tokens: 2 }),
			],
		],
		[
			"thinking then text, then thinking again opens a third block (contract case 4)",
			[
				chunk({ reasoning_content: "a" }),
				chunk({ reasoning_content: "b" }),
				chunk({ content: "c" }),
				chunk({ reasoning_content: "d" }),
				finish("stop"),
				usage(10, 4),
			],
			[
				blockStart(0, THINKING),
				thinkingDelta(0, "a"),
				thinkingDelta(0, "b"),
				blockStop(0),
				blockStart(1, TEXT),
				textDelta(1, "c"),
				blockStop(1),
				blockStart(2, THINKING),
				thinkingDelta(2, "d"),
				blockStop(2),
				...messageEnd("end_turn", { input_tokens: 10, output_tokens: 4 }),
			],
		],
		[
			"a tool call in fragments is one contiguous tool_use block (contract case 5)",
			[
				chunk({ content: "I'll list it." }),
				toolCalls({ index: 0, id: "call_1", type: "function", function: { name: "Bash", arguments: '{"com' } }),
				toolCalls({ index: 0, function: { arguments: 'mand":"ls"}' } }),
				finish("tool_calls"),
				usage(20, 9),
			],
			[
				blockStart(0, TEXT),
				textDelta(0, "I'll list it."),
				blockStop(0),
				blockStart(1, { type: "tool_use", id: "call_1", name: "Bash", input: {} }),
				jsonDelta(1, '{"command":"ls"}'),
				blockStop(1),
				...messageEnd("tool_use", { input_tokens: 20, output_tokens: 9 }),
			],
		],
		[
			"parallel calls, empty arguments as {}; `stop` with calls is still tool_use",
			[
				toolCalls(
					{ index: 0, id: "call_a", type: "function", function: { name: "A", arguments: "" } },
					{ index: 1, id: "call_b", type: "function", function: { name: "B", arguments: '{"x":1}' } },
				),
				finish("stop"),
				usage(20, 9),
			],
			[
				blockStart(0, { type: "tool_use", id: "call_a", name: "A", input: {} }),
				jsonDelta(0, "{}"),
				blockStop(0),
				blockStart(1, { type: "tool_use", id: "call_b", name: "B", input: {} }),
				jsonDelta(1, '{"x":1}'),
				blockStop(1),
				...messageEnd("tool_use", { input_tokens: 20, output_tokens: 9 }),
			],
		],
		[
			"length is max_tokens",
			[chunk({ content: "par" }), finish("length"), usage(5, 1)],
			[
				blockStart(0, TEXT),
				textDelta(0, "par"),
				blockStop(0),
				...messageEnd("max_tokens", { input_tokens: 5, output_tokens: 1 }),
			],
		],
		[
			"content_filter is refusal; no usage at all sends the estimates",
			[chunk({ content: "12345678" }), finish("content_filter")],
			[
				blockStart(0, TEXT),
				textDelta(0, "12345678"),
				blockStop(0),
				...messageEnd("refusal", { input_tokens: ESTIMATE, output_tokens: 2 }),
			],
		],
		[
			"vLLM's matched stop string is stop_sequence",
			[
				chunk({ content: "a" }),
				{ ...finish("stop"), choices: [{ index: 0, delta: {}, finish_reason: "stop", stop_reason: "END" } as never] },
				usage(5, 1),
			],
			[
				blockStart(0, TEXT),
				textDelta(0, "a"),
				blockStop(0),
				...messageEnd("stop_sequence", { input_tokens: 5, output_tokens: 1 }, "END"),
			],
		],
		[
			"an empty answer: no blocks at all",
			[chunk({ role: "assistant", content: "" }), finish("stop"), usage(5, 0)],
			messageEnd("end_turn", { input_tokens: 5, output_tokens: 0 }),
		],
	])("%s", (_, chunks, expected) => {
		expect(datas(streamed(chunks).events)).toEqual(expected);
	});

	test("thinking disabled: the upstream's reasoning never becomes a block, indexes stay dense", () => {
		const renderer = anthropicRenderer({
			model: MODEL,
			requestId: "req_1",
			estimatedInputTokens: ESTIMATE,
			hideThinking: true,
		});
		const chunks = [chunk({ reasoning_content: "a" }), chunk({ content: "b" }), chunk({ reasoning_content: "c" })];
		const events = [...chunks.flatMap((c) => renderer.push(chatPiece(c))), ...renderer.push(chatPiece(finish("stop")))];
		expect(datas([...events, ...renderer.finish()])).toEqual([
			blockStart(0, TEXT),
			textDelta(0, "b"),
			blockStop(0),
			...messageEnd("end_turn", { input_tokens: ESTIMATE, output_tokens: 1 }),
		]);
		expect(renderer.whole().content).toEqual([{ type: "text", text: "b" }]);
	});

	test("keepalive during upstream silence is a ping", () => {
		expect(newRenderer().keepalive?.()).toEqual([{ event: "ping", data: { type: "ping" } }]);
	});

	test("a call without an id gets a fresh toolu_ id, the same in the stream and the body", () => {
		const { events, renderer } = streamed([
			toolCalls({ index: 0, type: "function", function: { name: "Bash", arguments: "{}" } }),
			finish("tool_calls"),
		]);
		const start = events[0]?.data.content_block as { id: string };
		expect(start.id).toMatch(/^toolu_[0-9a-f]{32}$/);
		expect((renderer.whole().content as Array<{ id: string }>)[0]?.id).toBe(start.id);
	});

	test("arguments that are not a JSON object fail the answer (contract case 5)", () => {
		const renderer = newRenderer();
		renderer.push(
			chatPiece(toolCalls({ index: 0, id: "c", type: "function", function: { name: "Bash", arguments: "{bad" } })),
		);
		renderer.push(chatPiece(finish("tool_calls")));
		expect(() => renderer.finish()).toThrow(
			new ProxyError(502, 'upstream returned invalid tool call arguments for "Bash"'),
		);
	});

	test("a call the token limit cut mid-arguments is dropped: the answer is a max_tokens stop", () => {
		const renderer = newRenderer();
		renderer.push(chatPiece(chunk({ content: "Let me run it." })));
		renderer.push(
			chatPiece(toolCalls({ index: 0, id: "c", type: "function", function: { name: "Bash", arguments: '{"comm' } })),
		);
		renderer.push(chatPiece(finish("length")));
		const events = renderer.finish();
		expect(events.map((e) => e.data.type)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
		expect(events[1]?.data).toMatchObject({ delta: { stop_reason: "max_tokens", stop_sequence: null } });
		expect(renderer.whole().content).toEqual([{ type: "text", text: "Let me run it." }]);
	});

	test("a whole call before the cut one is kept", () => {
		const renderer = newRenderer();
		renderer.push(chatPiece(toolCalls({ index: 0, id: "a", function: { name: "Read", arguments: '{"path":"x"}' } })));
		renderer.push(chatPiece(toolCalls({ index: 1, id: "b", function: { name: "Bash", arguments: '{"co' } })));
		renderer.push(chatPiece(finish("length")));
		renderer.finish();
		expect(renderer.whole()).toMatchObject({
			content: [{ type: "tool_use", id: "a", name: "Read", input: { path: "x" } }],
			stop_reason: "tool_use",
		});
	});

	test("a stream cut before its finish reason fails", () => {
		const renderer = newRenderer();
		renderer.push(chatPiece(chunk({ content: "par" })));
		expect(() => renderer.finish()).toThrow("upstream stream ended before the answer was complete");
	});

	test("fail: one error event in Anthropic's shape with the request id (contract case 10)", () => {
		const renderer = newRenderer();
		expect(renderer.fail(new ProxyError(502, "upstream request failed: socket closed", {}, "connect"))).toEqual([
			{
				event: "error",
				data: {
					type: "error",
					error: { type: "api_error", message: "upstream request failed: socket closed" },
					request_id: "req_1",
				},
			},
		]);
		expect(renderer.fail(new ProxyError(504, "upstream went quiet for 300 ms", {}, "timeout"))[0]?.data.error).toEqual({
			type: "timeout_error",
			message: "upstream went quiet for 300 ms",
		});
	});
});

describe("anthropicRenderer: the whole message", () => {
	test.each<[string, ChatCompletionChunk[], Record<string, unknown>]>([
		[
			"text (contract case 3)",
			[chunk({ content: "Hel" }), chunk({ content: "lo" }), finish("stop"), usage(7, 2)],
			{
				content: [{ type: "text", text: "Hello" }],
				stop_reason: "end_turn",
				stop_sequence: null,
				usage: { input_tokens: 7, output_tokens: 2 },
			},
		],
		[
			"an empty answer is an empty array",
			[finish("stop"), usage(7, 0)],
			{ content: [], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 7, output_tokens: 0 } },
		],
		[
			"thinking, text and a call, in order; cached prompt tokens apart",
			[
				chunk({ reasoning: "hmm" }),
				chunk({ content: "Listing." }),
				toolCalls({
					index: 0,
					id: "call_8a",
					type: "function",
					function: { name: "Bash", arguments: '{"command":"ls"}' },
				}),
				finish("tool_calls"),
				{
					...usage(1234, 56),
					usage: {
						prompt_tokens: 1234,
						completion_tokens: 56,
						total_tokens: 1290,
						prompt_tokens_details: { cached_tokens: 1000 },
					},
				},
			],
			{
				content: [
					{ type: "thinking", thinking: "hmm", signature: "" },
					{ type: "text", text: "Listing." },
					{ type: "tool_use", id: "call_8a", name: "Bash", input: { command: "ls" } },
				],
				stop_reason: "tool_use",
				stop_sequence: null,
				usage: { input_tokens: 234, output_tokens: 56, cache_read_input_tokens: 1000 },
			},
		],
	])("%s", (_, chunks, expected) => {
		const renderer = newRenderer();
		for (const c of chunks) renderer.push(chatPiece(c));
		renderer.finish();
		const whole = renderer.whole();
		expect(whole.id).toMatch(/^msg_/);
		expect(whole).toEqual({ id: whole.id, type: "message", role: "assistant", model: MODEL, ...expected });
	});

	test("usage() for the log line: the prompt as reported (cached included), else the estimates", () => {
		const reported = newRenderer();
		for (const c of [chunk({ content: "a" }), finish("stop"), usage(30, 3)]) reported.push(chatPiece(c));
		reported.finish();
		expect(reported.usage()).toEqual({ promptTokens: 30, completionTokens: 3 });
		const estimated = newRenderer();
		for (const c of [chunk({ content: "abcdefgh" }), finish("stop")]) estimated.push(chatPiece(c));
		estimated.finish();
		expect(estimated.usage()).toEqual({ promptTokens: ESTIMATE, completionTokens: 2 });
	});
});

describe("stopReasonOf and anthropicUsage", () => {
	const USAGE: AgentUsage = {
		promptTokens: 0,
		completionTokens: 0,
		cachedTokens: 0,
		reasoningTokens: 0,
		reported: true,
	};
	test.each<[string, boolean, string | undefined, string]>([
		["stop", false, undefined, "end_turn"],
		["stop", false, "END", "stop_sequence"],
		["tool_calls", true, undefined, "tool_use"],
		["length", true, undefined, "tool_use"],
		["tool_calls", false, undefined, "end_turn"],
		["length", false, undefined, "max_tokens"],
		["content_filter", false, undefined, "refusal"],
		["function_call", false, undefined, "end_turn"],
	])("%s, calls %p, stop %p → %s", (finishReason, calls, stopSequence, expected) => {
		const end = { type: "end" as const, finishReason, usage: USAGE, ...(stopSequence && { stopSequence }) };
		expect(stopReasonOf(end, calls)).toBe(expected as never);
	});

	test.each<[Partial<AgentUsage>, Record<string, number>]>([
		[
			{ promptTokens: 9, completionTokens: 2 },
			{ input_tokens: 9, output_tokens: 2 },
		],
		[
			{ promptTokens: 9, completionTokens: 2, cachedTokens: 4 },
			{ input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 4 },
		],
		[
			{ reported: false, cachedTokens: 4 },
			{ input_tokens: 11, output_tokens: 3 },
		],
	])("%j → %j", (usage, expected) => {
		expect(anthropicUsage({ ...USAGE, ...usage }, { input: 11, output: 3 }) as Record<string, number>).toEqual(
			expected,
		);
	});

	test("randomId: the prefix and 128 random bits, never twice", () => {
		const ids = new Set(Array.from({ length: 100 }, () => randomId("msg_")));
		expect(ids.size).toBe(100);
		for (const id of ids) expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
	});
});

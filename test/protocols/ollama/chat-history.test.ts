import { describe, expect, test } from "bun:test";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import { syntheticCallId, toOpenAIMessages } from "../../../src/protocols/ollama/chat-history.ts";
import type { ChatMessage } from "../../../src/protocols/ollama/request-schemas.ts";

const PNG = "iVBORw0KGgoAAAANSUhEUg==";

type Case = { kind: string; history: ChatMessage[]; openai: ChatCompletionMessageParam[] };

/** An assistant turn calling `get_weather` for each city, the way ollama-python sends it back: without call ids. */
function callsWeather(...cities: string[]): ChatMessage {
	return {
		role: "assistant",
		content: "",
		tool_calls: cities.map((city) => ({ function: { name: "get_weather", arguments: { city } } })),
	};
}

describe("syntheticCallId: a stable id per message and call position", () => {
	test.each([
		{ messageIndex: 0, callIndex: 0, id: "call_m0c0" },
		{ messageIndex: 1, callIndex: 0, id: "call_m1c0" },
		{ messageIndex: 12, callIndex: 3, id: "call_m12c3" },
	])("message $messageIndex, call $callIndex → $id", ({ messageIndex, callIndex, id }) => {
		expect(syntheticCallId(messageIndex, callIndex)).toBe(id);
	});
});

describe("toOpenAIMessages: plain turns", () => {
	test.each<Case>([
		{ kind: "an empty history", history: [], openai: [] },
		{
			kind: "system, developer, user and assistant text pass through",
			history: [
				{ role: "system", content: "Be brief." },
				{ role: "developer", content: "Answer in French." },
				{ role: "user", content: "Hi" },
				{ role: "assistant", content: "Bonjour" },
			],
			openai: [
				{ role: "system", content: "Be brief." },
				{ role: "developer", content: "Answer in French." },
				{ role: "user", content: "Hi" },
				{ role: "assistant", content: "Bonjour" },
			],
		},
		{
			kind: "a user turn with images becomes text and image_url parts",
			history: [{ role: "user", content: "What is this?", images: [PNG] }],
			openai: [
				{
					role: "user",
					content: [
						{ type: "text", text: "What is this?" },
						{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
					],
				},
			],
		},
		{
			kind: "an assistant turn with an empty tool_calls list stays plain text",
			history: [{ role: "assistant", content: "Nothing to call", tool_calls: [] }],
			openai: [{ role: "assistant", content: "Nothing to call" }],
		},
		{
			kind: "an assistant turn's thinking is not sent",
			history: [{ role: "assistant", content: "42", thinking: "Let me think" }],
			openai: [{ role: "assistant", content: "42" }],
		},
	])("$kind", ({ history, openai }) => {
		expect(toOpenAIMessages(history)).toEqual(openai);
	});

	test("a bad image on a user turn is a 400", () => {
		let error: unknown;
		try {
			toOpenAIMessages([{ role: "user", content: "?", images: ["not base64!"] }]);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ProxyError);
		expect({ status: (error as ProxyError).status, message: (error as ProxyError).message }).toEqual({
			status: 400,
			message: "invalid image input: images must be base64-encoded",
		});
	});
});

describe("toOpenAIMessages: assistant tool calls get ids and JSON-string arguments", () => {
	test.each<Case>([
		{
			kind: "calls without ids get synthetic ids; empty content becomes null",
			history: [{ role: "user", content: "Weather?" }, callsWeather("Paris", "Tokyo")],
			openai: [
				{ role: "user", content: "Weather?" },
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m1c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
						{ id: "call_m1c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
					],
				},
			],
		},
		{
			kind: "calls keep their own ids, text content is kept, argument key order is kept",
			history: [
				{
					role: "assistant",
					content: "Checking.",
					tool_calls: [
						{ id: "call_k3x9a0bq", function: { index: 0, name: "add", arguments: { b: 2, a: 1, nested: { x: [1] } } } },
						{ id: "", function: { index: 1, name: "now", arguments: {} } },
					],
				},
			],
			openai: [
				{
					role: "assistant",
					content: "Checking.",
					tool_calls: [
						{
							id: "call_k3x9a0bq",
							type: "function",
							function: { name: "add", arguments: '{"b":2,"a":1,"nested":{"x":[1]}}' },
						},
						{ id: "call_m0c1", type: "function", function: { name: "now", arguments: "{}" } },
					],
				},
			],
		},
	])("$kind", ({ history, openai }) => {
		expect(toOpenAIMessages(history)).toEqual(openai);
	});

	test("the argument string keeps the client's key order", () => {
		const [message] = toOpenAIMessages([
			{ role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: { z: 1, a: 2 } } }] },
		]);
		expect(message).toEqual({
			role: "assistant",
			content: null,
			tool_calls: [{ id: "call_m0c0", type: "function", function: { name: "f", arguments: '{"z":1,"a":2}' } }],
		});
	});
});

describe("toOpenAIMessages: each tool result names the call it answers", () => {
	test.each<Case>([
		{
			kind: "contract case 12: no ids anywhere, matched by tool_name",
			history: [
				{ role: "user", content: "Weather in Paris?" },
				callsWeather("Paris"),
				{ role: "tool", content: "18°C", tool_name: "get_weather" },
			],
			openai: [
				{ role: "user", content: "Weather in Paris?" },
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m1c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
					],
				},
				{ role: "tool", tool_call_id: "call_m1c0", content: "18°C" },
			],
		},
		{
			kind: "by the result's own tool_call_id, whatever the order",
			history: [
				{
					role: "assistant",
					content: "",
					tool_calls: [
						{ id: "call_a", function: { name: "get_weather", arguments: { city: "Paris" } } },
						{ id: "call_b", function: { name: "get_weather", arguments: { city: "Tokyo" } } },
					],
				},
				{ role: "tool", content: "25°C", tool_call_id: "call_b", tool_name: "get_weather" },
				{ role: "tool", content: "18°C", tool_call_id: "call_a" },
			],
			openai: [
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
						{ id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
					],
				},
				{ role: "tool", tool_call_id: "call_b", content: "25°C" },
				{ role: "tool", tool_call_id: "call_a", content: "18°C" },
			],
		},
		{
			kind: "by tool_name: the earliest open call of that name",
			history: [
				{
					role: "assistant",
					content: "",
					tool_calls: [
						{ function: { name: "get_time", arguments: {} } },
						{ function: { name: "get_weather", arguments: { city: "Paris" } } },
						{ function: { name: "get_weather", arguments: { city: "Tokyo" } } },
					],
				},
				{ role: "tool", content: "18°C", tool_name: "get_weather" },
				{ role: "tool", content: "25°C", tool_name: "get_weather" },
				{ role: "tool", content: "12:00", tool_name: "get_time" },
			],
			openai: [
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m0c0", type: "function", function: { name: "get_time", arguments: "{}" } },
						{ id: "call_m0c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
						{ id: "call_m0c2", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
					],
				},
				{ role: "tool", tool_call_id: "call_m0c1", content: "18°C" },
				{ role: "tool", tool_call_id: "call_m0c2", content: "25°C" },
				{ role: "tool", tool_call_id: "call_m0c0", content: "12:00" },
			],
		},
		{
			kind: "an unknown tool_call_id falls back to the tool_name",
			history: [
				{
					role: "assistant",
					content: "",
					tool_calls: [
						{ id: "call_t", function: { name: "get_time", arguments: {} } },
						{ id: "call_w", function: { name: "get_weather", arguments: {} } },
					],
				},
				{ role: "tool", content: "18°C", tool_call_id: "call_gone", tool_name: "get_weather" },
			],
			openai: [
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_t", type: "function", function: { name: "get_time", arguments: "{}" } },
						{ id: "call_w", type: "function", function: { name: "get_weather", arguments: "{}" } },
					],
				},
				{ role: "tool", tool_call_id: "call_w", content: "18°C" },
			],
		},
		{
			kind: "neither id nor name (LangChain): the earliest open call",
			history: [
				callsWeather("Paris", "Tokyo"),
				{ role: "tool", content: "18°C" },
				{ role: "tool", content: "25°C", tool_name: "unknown_tool" },
			],
			openai: [
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m0c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
						{ id: "call_m0c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
					],
				},
				{ role: "tool", tool_call_id: "call_m0c0", content: "18°C" },
				{ role: "tool", tool_call_id: "call_m0c1", content: "25°C" },
			],
		},
		{
			kind: "calls of an earlier assistant turn are closed by the next assistant turn",
			history: [
				callsWeather("Paris"),
				{ role: "tool", content: "18°C", tool_name: "get_weather" },
				callsWeather("Tokyo"),
				{ role: "tool", content: "25°C", tool_name: "get_weather" },
			],
			openai: [
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m0c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
					],
				},
				{ role: "tool", tool_call_id: "call_m0c0", content: "18°C" },
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m2c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
					],
				},
				{ role: "tool", tool_call_id: "call_m2c0", content: "25°C" },
			],
		},
	])("$kind", ({ history, openai }) => {
		expect(toOpenAIMessages(history)).toEqual(openai);
	});
});

describe("toOpenAIMessages: a tool result without an open call becomes user text", () => {
	test.each<Case>([
		{
			kind: "LlamaIndex: no call before it, named",
			history: [
				{ role: "user", content: "Weather?" },
				{ role: "tool", content: '{"temp":18}', tool_name: "get_weather" },
			],
			openai: [
				{ role: "user", content: "Weather?" },
				{ role: "user", content: 'Result of tool get_weather:\n{"temp":18}' },
			],
		},
		{
			kind: "no call before it, unnamed",
			history: [{ role: "tool", content: "18°C" }],
			openai: [{ role: "user", content: "Tool result:\n18°C" }],
		},
		{
			kind: "more results than calls: the extra one",
			history: [
				callsWeather("Paris"),
				{ role: "tool", content: "18°C" },
				{ role: "tool", content: "again", tool_name: "get_weather", tool_call_id: "call_m0c0" },
			],
			openai: [
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m0c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
					],
				},
				{ role: "tool", tool_call_id: "call_m0c0", content: "18°C" },
				{ role: "user", content: "Result of tool get_weather:\nagain" },
			],
		},
		{
			kind: "after an assistant text turn, the earlier calls are no longer open",
			history: [
				callsWeather("Paris"),
				{ role: "assistant", content: "Let me check again." },
				{ role: "tool", content: "18°C", tool_name: "get_weather" },
			],
			openai: [
				{
					role: "assistant",
					content: null,
					tool_calls: [
						{ id: "call_m0c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
					],
				},
				{ role: "assistant", content: "Let me check again." },
				{ role: "user", content: "Result of tool get_weather:\n18°C" },
			],
		},
	])("$kind", ({ history, openai }) => {
		expect(toOpenAIMessages(history)).toEqual(openai);
	});
});

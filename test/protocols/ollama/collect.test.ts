import { describe, expect, test } from "bun:test";
import type { Logprob } from "../../../src/core/logprobs.ts";
import { collectChat, collectGenerate } from "../../../src/protocols/ollama/collect.ts";
import type { ChatResponse, GenerateResponse } from "../../../src/protocols/ollama/response-schemas.ts";

async function* feed<T>(items: readonly T[]): AsyncGenerator<T> {
	for (const item of items) yield item;
}

const METRICS = {
	total_duration: 19_000_000,
	load_duration: 2_000_000,
	prompt_eval_count: 26,
	prompt_eval_duration: 7_000_000,
	eval_count: 3,
	eval_duration: 10_000_000,
};
const METRICS_JSON =
	'"total_duration":19000000,"load_duration":2000000,"prompt_eval_count":26,"prompt_eval_duration":7000000,"eval_count":3,"eval_duration":10000000';

const chatLine = (created: string, message: ChatResponse["message"]): ChatResponse => ({
	model: "llama3.2",
	created_at: created,
	message,
	done: false,
});

const chatFinal = (created: string, doneReason: "stop" | "length" = "stop"): ChatResponse => ({
	model: "llama3.2",
	created_at: created,
	message: { role: "assistant", content: "" },
	done: true,
	done_reason: doneReason,
	...METRICS,
});

const HI: Logprob = { token: "Hi", logprob: -0.01, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob: -0.01 }] };
const BANG: Logprob = { token: "!", logprob: -0.5 };
const HI_JSON = '{"token":"Hi","logprob":-0.01,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.01}]}';
const BANG_JSON = '{"token":"!","logprob":-0.5}';

const WEATHER = { id: "call_a", function: { index: 0, name: "get_weather", arguments: { city: "Paris" } } };
const TIME = { id: "call_b", function: { index: 1, name: "get_time", arguments: { tz: "UTC" } } };

describe("collectChat: one object with content, thinking, tool calls and logprobs concatenated, the rest from the final object", () => {
	test.each<{ kind: string; lines: ChatResponse[]; reply: string }>([
		{
			kind: "content is concatenated; created_at, done_reason and metrics come from the final object",
			lines: [
				chatLine("2025-10-26T17:21:21.1Z", { role: "assistant", content: "Hel" }),
				chatLine("2025-10-26T17:21:21.2Z", { role: "assistant", content: "lo" }),
				chatFinal("2025-10-26T17:21:21.3Z"),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.3Z","message":{"role":"assistant","content":"Hello"},"done":true,"done_reason":"stop",${METRICS_JSON}}`,
		},
		{
			kind: "thinking is concatenated after content",
			lines: [
				chatLine("2025-10-26T17:21:21.1Z", { role: "assistant", content: "", thinking: "Let me" }),
				chatLine("2025-10-26T17:21:21.2Z", { role: "assistant", content: "4", thinking: " think" }),
				chatLine("2025-10-26T17:21:21.3Z", { role: "assistant", content: "2" }),
				chatFinal("2025-10-26T17:21:21.4Z", "length"),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.4Z","message":{"role":"assistant","content":"42","thinking":"Let me think"},"done":true,"done_reason":"length",${METRICS_JSON}}`,
		},
		{
			kind: "tool calls from every object are concatenated",
			lines: [
				chatLine("2025-10-26T17:21:21.1Z", { role: "assistant", content: "Checking.", tool_calls: [WEATHER] }),
				chatLine("2025-10-26T17:21:21.2Z", { role: "assistant", content: "", tool_calls: [TIME] }),
				chatFinal("2025-10-26T17:21:21.3Z"),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.3Z","message":{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_a","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}},{"id":"call_b","function":{"index":1,"name":"get_time","arguments":{"tz":"UTC"}}}]},"done":true,"done_reason":"stop",${METRICS_JSON}}`,
		},
		{
			kind: "tool calls carried on the final object are kept",
			lines: [
				chatLine("2025-10-26T17:21:21.1Z", { role: "assistant", content: "", thinking: "Weather" }),
				{ ...chatFinal("2025-10-26T17:21:21.2Z"), message: { role: "assistant", content: "", tool_calls: [WEATHER] } },
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.2Z","message":{"role":"assistant","content":"","thinking":"Weather","tool_calls":[{"id":"call_a","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":true,"done_reason":"stop",${METRICS_JSON}}`,
		},
		{
			kind: "logprobs are concatenated and placed after done_reason, before the metrics",
			lines: [
				{ ...chatLine("2025-10-26T17:21:21.1Z", { role: "assistant", content: "Hi" }), logprobs: [HI] },
				chatLine("2025-10-26T17:21:21.2Z", { role: "assistant", content: "", thinking: "no logprobs here" }),
				{ ...chatLine("2025-10-26T17:21:21.3Z", { role: "assistant", content: "!" }), logprobs: [BANG] },
				chatFinal("2025-10-26T17:21:21.4Z"),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.4Z","message":{"role":"assistant","content":"Hi!","thinking":"no logprobs here"},"done":true,"done_reason":"stop","logprobs":[${HI_JSON},${BANG_JSON}],${METRICS_JSON}}`,
		},
		{
			kind: "logprobs carried on the final object count too, once",
			lines: [
				{ ...chatLine("2025-10-26T17:21:21.1Z", { role: "assistant", content: "Hi" }), logprobs: [HI] },
				{ ...chatFinal("2025-10-26T17:21:21.2Z"), logprobs: [BANG] },
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.2Z","message":{"role":"assistant","content":"Hi"},"done":true,"done_reason":"stop","logprobs":[${HI_JSON},${BANG_JSON}],${METRICS_JSON}}`,
		},
		{
			kind: "empty logprobs everywhere are no logprobs",
			lines: [
				{ ...chatLine("2025-10-26T17:21:21.1Z", { role: "assistant", content: "Hi" }), logprobs: [] },
				{ ...chatFinal("2025-10-26T17:21:21.2Z"), logprobs: [] },
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.2Z","message":{"role":"assistant","content":"Hi"},"done":true,"done_reason":"stop",${METRICS_JSON}}`,
		},
		{
			kind: "a lone final object",
			lines: [chatFinal("2025-10-26T17:21:21Z")],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${METRICS_JSON}}`,
		},
	])("$kind", async ({ lines, reply }) => {
		expect(JSON.stringify(await collectChat(feed(lines)))).toBe(reply);
	});

	test("nothing streamed is no reply", async () => {
		expect(await collectChat(feed<ChatResponse>([]))).toBeUndefined();
	});
});

const generateLine = (created: string, response: string, thinking?: string): GenerateResponse => ({
	model: "llama3.2",
	created_at: created,
	response,
	...(thinking !== undefined && { thinking }),
	done: false,
});

const generateFinal = (created: string, extra: Partial<GenerateResponse> = {}): GenerateResponse => ({
	model: "llama3.2",
	created_at: created,
	response: "",
	done: true,
	done_reason: "stop",
	context: [],
	...METRICS,
	...extra,
});

describe("collectGenerate: one object with response, thinking and logprobs concatenated, keys in Ollama's order", () => {
	test.each<{ kind: string; lines: GenerateResponse[]; reply: string }>([
		{
			kind: "response is concatenated; context and metrics come from the final object",
			lines: [
				generateLine("2025-10-26T17:21:21.1Z", "The"),
				generateLine("2025-10-26T17:21:21.2Z", " sky"),
				generateFinal("2025-10-26T17:21:21.3Z"),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.3Z","response":"The sky","done":true,"done_reason":"stop","context":[],${METRICS_JSON}}`,
		},
		{
			kind: "thinking is concatenated and placed right after response",
			lines: [
				generateLine("2025-10-26T17:21:21.1Z", "", "Let me"),
				generateLine("2025-10-26T17:21:21.2Z", "Blue", " think"),
				generateFinal("2025-10-26T17:21:21.3Z", { done_reason: "length" }),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.3Z","response":"Blue","thinking":"Let me think","done":true,"done_reason":"length","context":[],${METRICS_JSON}}`,
		},
		{
			kind: "text and thinking carried on the final object count too",
			lines: [
				generateLine("2025-10-26T17:21:21.1Z", "A"),
				generateFinal("2025-10-26T17:21:21.2Z", { response: "B", thinking: "C" }),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.2Z","response":"AB","thinking":"C","done":true,"done_reason":"stop","context":[],${METRICS_JSON}}`,
		},
		{
			// Ollama's GenerateResponse declares `logprobs` after the metrics (contract §2.5).
			kind: "logprobs are concatenated and placed last, after the metrics",
			lines: [
				{ ...generateLine("2025-10-26T17:21:21.1Z", "Hi"), logprobs: [HI] },
				generateLine("2025-10-26T17:21:21.2Z", "", "no logprobs here"),
				{ ...generateLine("2025-10-26T17:21:21.3Z", "!"), logprobs: [BANG] },
				generateFinal("2025-10-26T17:21:21.4Z"),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.4Z","response":"Hi!","thinking":"no logprobs here","done":true,"done_reason":"stop","context":[],${METRICS_JSON},"logprobs":[${HI_JSON},${BANG_JSON}]}`,
		},
		{
			kind: "logprobs carried on the final object count too, once",
			lines: [
				{ ...generateLine("2025-10-26T17:21:21.1Z", "Hi"), logprobs: [HI] },
				generateFinal("2025-10-26T17:21:21.2Z", { logprobs: [BANG] }),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.2Z","response":"Hi","done":true,"done_reason":"stop","context":[],${METRICS_JSON},"logprobs":[${HI_JSON},${BANG_JSON}]}`,
		},
		{
			kind: "empty logprobs everywhere are no logprobs",
			lines: [
				{ ...generateLine("2025-10-26T17:21:21.1Z", "Hi"), logprobs: [] },
				generateFinal("2025-10-26T17:21:21.2Z"),
			],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21.2Z","response":"Hi","done":true,"done_reason":"stop","context":[],${METRICS_JSON}}`,
		},
		{
			kind: "a lone final object",
			lines: [generateFinal("2025-10-26T17:21:21Z")],
			reply: `{"model":"llama3.2","created_at":"2025-10-26T17:21:21Z","response":"","done":true,"done_reason":"stop","context":[],${METRICS_JSON}}`,
		},
	])("$kind", async ({ lines, reply }) => {
		expect(JSON.stringify(await collectGenerate(feed(lines)))).toBe(reply);
	});

	test("nothing streamed is no reply", async () => {
		expect(await collectGenerate(feed<GenerateResponse>([]))).toBeUndefined();
	});
});

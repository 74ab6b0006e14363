import { describe, expect, test } from "bun:test";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { ProxyError } from "../../src/errors.ts";
import type { ChatRequest, GenerateRequest } from "../../src/schemas/ollama-requests.ts";
import { chatToOpenAI, generateToOpenAI, responseFormat } from "../../src/translate/chat-request.ts";

const PNG = "iVBORw0KGgoAAAANSUhEUg==";

/** Every upstream request streams and asks for usage. */
const STREAMING = { stream: true, stream_options: { include_usage: true } } as const;

const SCHEMA = {
	type: "object",
	properties: { city: { type: "string" }, temp: { type: "number" } },
	required: ["city", "temp"],
};

const WEATHER_TOOL = {
	type: "function",
	function: {
		name: "get_weather",
		description: "Current weather",
		parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
	},
};

/** The status and message of the ProxyError a call throws. */
function thrown(run: () => unknown): { status: number; message: string } {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(ProxyError);
		return { status: (error as ProxyError).status, message: (error as ProxyError).message };
	}
	throw new Error("expected the call to throw");
}

describe("responseFormat: Ollama `format` → OpenAI `response_format`", () => {
	test.each<{
		kind: string;
		format: ChatRequest["format"];
		expected: ChatCompletionCreateParamsStreaming["response_format"];
	}>([
		{ kind: '"json" is JSON mode', format: "json", expected: { type: "json_object" } },
		{
			kind: "a schema is structured output with the schema intact",
			format: SCHEMA,
			expected: { type: "json_schema", json_schema: { name: "schema", schema: SCHEMA } },
		},
		{ kind: '"" is no format', format: "", expected: undefined },
		{ kind: "null is no format", format: null, expected: undefined },
		{ kind: "absent is no format", format: undefined, expected: undefined },
	])("$kind", ({ format, expected }) => {
		expect(responseFormat(format)).toEqual(expected);
	});
});

describe("chatToOpenAI: one streaming chat-completions request", () => {
	test.each<{ kind: string; request: ChatRequest; upstreamId: string; params: ChatCompletionCreateParamsStreaming }>([
		{
			kind: "the upstream id replaces the client's spelling of the model",
			request: { model: "GPT-4o:Latest", messages: [{ role: "user", content: "Hi" }] },
			upstreamId: "gpt-4o",
			params: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING },
		},
		{
			kind: "absent messages are an empty list",
			request: { model: "gpt-4o" },
			upstreamId: "gpt-4o",
			params: { model: "gpt-4o", messages: [], ...STREAMING },
		},
		{
			kind: "options map to sampling parameters (contract case 15)",
			request: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "Hi" }],
				options: {
					num_predict: 2,
					temperature: 0.2,
					top_p: 0.9,
					seed: 42,
					stop: ["zz"],
					frequency_penalty: 0.5,
					presence_penalty: 0.25,
					top_k: 40,
				},
			},
			upstreamId: "gpt-4o",
			params: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				max_tokens: 2,
				temperature: 0.2,
				top_p: 0.9,
				seed: 42,
				stop: ["zz"],
				frequency_penalty: 0.5,
				presence_penalty: 0.25,
			},
		},
		{
			kind: "num_predict is max_completion_tokens for a reasoning model",
			request: { model: "o3-mini", messages: [{ role: "user", content: "Hi" }], options: { num_predict: 100 } },
			upstreamId: "o3-mini",
			params: {
				model: "o3-mini",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				max_completion_tokens: 100,
			},
		},
		{
			kind: 'format "json" (contract case 13)',
			request: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], format: "json" },
			upstreamId: "gpt-4o",
			params: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				response_format: { type: "json_object" },
			},
		},
		{
			kind: "format schema (contract case 13)",
			request: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], format: SCHEMA },
			upstreamId: "gpt-4o",
			params: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "Hi" }],
				...STREAMING,
				response_format: { type: "json_schema", json_schema: { name: "schema", schema: SCHEMA } },
			},
		},
		{
			kind: 'format "" sends no response_format',
			request: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], format: "" },
			upstreamId: "gpt-4o",
			params: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING },
		},
		{
			kind: "tools pass through in OpenAI's function shape",
			request: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "Weather in Paris?" }],
				tools: [WEATHER_TOOL, { type: "function", function: { name: "now", description: null, parameters: null } }],
			},
			upstreamId: "gpt-4o",
			params: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "Weather in Paris?" }],
				...STREAMING,
				tools: [
					{
						type: "function",
						function: {
							name: "get_weather",
							description: "Current weather",
							parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
						},
					},
					{ type: "function", function: { name: "now" } },
				],
			},
		},
		{
			kind: "an empty tools list (Zed, ollama-python) is not sent",
			request: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], tools: [] },
			upstreamId: "gpt-4o",
			params: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING },
		},
		{
			kind: "the history is repaired and images become parts (contract cases 12 and 14)",
			request: {
				model: "gpt-4o",
				messages: [
					{ role: "user", content: "Where is this?", images: [PNG] },
					{
						role: "assistant",
						content: "",
						tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }],
					},
					{ role: "tool", content: "18°C", tool_name: "get_weather" },
				],
			},
			upstreamId: "gpt-4o",
			params: {
				model: "gpt-4o",
				messages: [
					{
						role: "user",
						content: [
							{ type: "text", text: "Where is this?" },
							{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
						],
					},
					{
						role: "assistant",
						content: null,
						tool_calls: [
							{ id: "call_m1c0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
						],
					},
					{ role: "tool", tool_call_id: "call_m1c0", content: "18°C" },
				],
				...STREAMING,
			},
		},
	])("$kind", ({ request, upstreamId, params }) => {
		expect(chatToOpenAI(request, upstreamId)).toEqual(params);
	});
});

describe("generateToOpenAI: a prompt becomes a one-turn chat", () => {
	test.each<{ kind: string; request: GenerateRequest; params: ChatCompletionCreateParamsStreaming }>([
		{
			kind: "the prompt is the user turn",
			request: { model: "gpt-4o:latest", prompt: "Why is the sky blue?" },
			params: { model: "gpt-4o", messages: [{ role: "user", content: "Why is the sky blue?" }], ...STREAMING },
		},
		{
			kind: "an absent prompt is an empty user turn",
			request: { model: "gpt-4o" },
			params: { model: "gpt-4o", messages: [{ role: "user", content: "" }], ...STREAMING },
		},
		{
			kind: "system goes first",
			request: { model: "gpt-4o", prompt: "Hi", system: "Be brief." },
			params: {
				model: "gpt-4o",
				messages: [
					{ role: "system", content: "Be brief." },
					{ role: "user", content: "Hi" },
				],
				...STREAMING,
			},
		},
		{
			kind: "images become parts of the user turn",
			request: { model: "gpt-4o", prompt: "What is this?", images: [PNG] },
			params: {
				model: "gpt-4o",
				messages: [
					{
						role: "user",
						content: [
							{ type: "text", text: "What is this?" },
							{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
						],
					},
				],
				...STREAMING,
			},
		},
		{
			kind: "raw without system, template or context is allowed",
			request: { model: "gpt-4o", prompt: "<s>[INST] Hi [/INST]", raw: true, context: [] },
			params: { model: "gpt-4o", messages: [{ role: "user", content: "<s>[INST] Hi [/INST]" }], ...STREAMING },
		},
		{
			kind: "an empty suffix is no suffix",
			request: { model: "gpt-4o", prompt: "def f():", suffix: "" },
			params: { model: "gpt-4o", messages: [{ role: "user", content: "def f():" }], ...STREAMING },
		},
		{
			kind: "options and format apply as for chat",
			request: {
				model: "gpt-4o",
				prompt: "List three colours",
				format: "json",
				options: { num_predict: 50, temperature: 0, seed: -1, stop: ["\n\n"] },
			},
			params: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "List three colours" }],
				...STREAMING,
				max_tokens: 50,
				temperature: 0,
				stop: ["\n\n"],
				response_format: { type: "json_object" },
			},
		},
	])("$kind", ({ request, params }) => {
		expect(generateToOpenAI(request, "gpt-4o")).toEqual(params);
	});
});

describe("generateToOpenAI: requests Ollama refuses are a 400", () => {
	const RAW_CONFLICT = { status: 400, message: "raw mode does not support template, system, or context" };

	test.each<{ kind: string; request: GenerateRequest; error: { status: number; message: string } }>([
		{
			kind: "suffix (no model supports insert) names the model as the client spelled it",
			request: { model: "GPT-4o", prompt: "def f():", suffix: "    return 1" },
			error: { status: 400, message: "GPT-4o does not support insert" },
		},
		{
			kind: "raw with system",
			request: { model: "gpt-4o", prompt: "Hi", raw: true, system: "Be brief." },
			error: RAW_CONFLICT,
		},
		{
			kind: "raw with template",
			request: { model: "gpt-4o", prompt: "Hi", raw: true, template: "{{ .Prompt }}" },
			error: RAW_CONFLICT,
		},
		{
			kind: "raw with context",
			request: { model: "gpt-4o", prompt: "Hi", raw: true, context: [1, 2, 3] },
			error: RAW_CONFLICT,
		},
		{
			kind: "a bad image",
			request: { model: "gpt-4o", prompt: "What is this?", images: ["not base64!"] },
			error: { status: 400, message: "invalid image input: images must be base64-encoded" },
		},
	])("$kind", ({ request, error }) => {
		expect(thrown(() => generateToOpenAI(request, "gpt-4o"))).toEqual(error);
	});
});

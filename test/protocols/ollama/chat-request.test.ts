import { describe, expect, test } from "bun:test";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import type { CompletionCreateParams } from "openai/resources/completions";
import type { Dialect } from "../../../src/core/dialect.ts";
import { ProxyError } from "../../../src/core/proxy-error.ts";
import type { Capability, Target } from "../../../src/core/target.ts";
import {
	chatToOpenAI,
	fillInMiddleToOpenAI,
	generateToOpenAI,
	responseFormat,
} from "../../../src/protocols/ollama/chat-request.ts";
import type { ChatRequest, GenerateRequest } from "../../../src/protocols/ollama/request-schemas.ts";

const PNG = "iVBORw0KGgoAAAANSUhEUg==";

/** A streaming client's upstream request streams and asks for usage. */
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

/** An upstream model: strict OpenAI and a plain chat model unless a case says otherwise. */
function target(
	id: string,
	dialect: Dialect = "openai",
	capabilities: readonly Capability[] = ["completion", "tools"],
): Target {
	return { id, dialect, capabilities };
}

const GPT_4O = target("gpt-4o");

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
		expected: ChatCompletionCreateParams["response_format"];
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

describe("chatToOpenAI: one chat-completions request", () => {
	test.each<{ kind: string; request: ChatRequest; target: Target; params: ChatCompletionCreateParams }>([
		{
			kind: "the upstream id replaces the client's spelling of the model",
			request: { model: "GPT-4o:Latest", messages: [{ role: "user", content: "Hi" }] },
			target: GPT_4O,
			params: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING },
		},
		{
			kind: "absent messages are an empty list",
			request: { model: "gpt-4o" },
			target: GPT_4O,
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
			target: GPT_4O,
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
			target: target("o3-mini"),
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
			target: GPT_4O,
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
			target: GPT_4O,
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
			target: GPT_4O,
			params: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...STREAMING },
		},
		{
			kind: "tools pass through in OpenAI's function shape",
			request: {
				model: "gpt-4o",
				messages: [{ role: "user", content: "Weather in Paris?" }],
				tools: [WEATHER_TOOL, { type: "function", function: { name: "now", description: null, parameters: null } }],
			},
			target: GPT_4O,
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
			target: GPT_4O,
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
			target: GPT_4O,
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
	])("$kind", ({ request, target, params }) => {
		expect(chatToOpenAI(request, target, true)).toEqual(params);
	});
});

describe("generateToOpenAI: a prompt becomes a one-turn chat", () => {
	test.each<{ kind: string; request: GenerateRequest; params: ChatCompletionCreateParams }>([
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
		expect(generateToOpenAI(request, GPT_4O, true)).toEqual(params);
	});
});

describe("generateToOpenAI: requests Ollama refuses are a 400", () => {
	const RAW_CONFLICT = { status: 400, message: "raw mode does not support template, system, or context" };

	test.each<{ kind: string; request: GenerateRequest; error: { status: number; message: string } }>([
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
		expect(thrown(() => generateToOpenAI(request, GPT_4O, true))).toEqual(error);
	});
});

const THINKER: readonly Capability[] = ["completion", "tools", "thinking"];
const HI = [{ role: "user" as const, content: "Hi" }];

/** Parameters that only some upstreams take are outside the openai SDK's types. */
type DialectParams = ChatCompletionCreateParams & Record<string, unknown>;

describe("chatToOpenAI and generateToOpenAI: options, thinking and logprobs in the upstream's dialect", () => {
	test.each<{ kind: string; request: ChatRequest; target: Target; params: DialectParams }>([
		{
			kind: "OpenAI: llama.cpp-only options are dropped",
			request: { model: "gpt-4o", messages: HI, options: { top_k: 40, min_p: 0.1, repeat_penalty: 1.2 } },
			target: GPT_4O,
			params: { model: "gpt-4o", messages: HI, ...STREAMING },
		},
		{
			kind: "OpenRouter: top_k, min_p and repetition_penalty follow OpenAI's own options",
			request: {
				model: "qwen",
				messages: HI,
				options: { temperature: 0.5, top_k: 40, min_p: 0.1, repeat_penalty: 1.2, typical_p: 0.9 },
			},
			target: target("qwen/qwen3-32b", "openrouter"),
			params: {
				model: "qwen/qwen3-32b",
				messages: HI,
				...STREAMING,
				temperature: 0.5,
				top_k: 40,
				min_p: 0.1,
				repetition_penalty: 1.2,
			},
		},
		{
			kind: "llama.cpp: every sampling option under its own name",
			request: {
				model: "qwen3",
				messages: HI,
				options: { top_k: 40, min_p: 0.1, repeat_penalty: 1.2, typical_p: 0.9, repeat_last_n: 32 },
			},
			target: target("qwen3", "llamacpp"),
			params: {
				model: "qwen3",
				messages: HI,
				...STREAMING,
				top_k: 40,
				min_p: 0.1,
				typical_p: 0.9,
				repeat_penalty: 1.2,
				repeat_last_n: 32,
			},
		},
		{
			kind: "OpenAI: a think level on a thinking model is reasoning_effort, max is high",
			request: { model: "o3", messages: HI, think: "max" },
			target: target("o3", "openai", THINKER),
			params: { model: "o3", messages: HI, ...STREAMING, reasoning_effort: "high" },
		},
		{
			kind: "OpenAI: think true on a thinking model keeps the model's default",
			request: { model: "o3", messages: HI, think: true },
			target: target("o3", "openai", THINKER),
			params: { model: "o3", messages: HI, ...STREAMING },
		},
		{
			kind: "OpenRouter: think false switches reasoning off",
			request: { model: "deepseek-r1", messages: HI, think: false },
			target: target("deepseek/deepseek-r1", "openrouter", THINKER),
			params: { model: "deepseek/deepseek-r1", messages: HI, ...STREAMING, reasoning: { enabled: false } },
		},
		{
			kind: "vLLM: think false is the chat template's switch",
			request: { model: "qwen3", messages: HI, think: false },
			target: target("Qwen/Qwen3-8B", "vllm", THINKER),
			params: {
				model: "Qwen/Qwen3-8B",
				messages: HI,
				...STREAMING,
				chat_template_kwargs: { enable_thinking: false },
			},
		},
		{
			kind: "think on a model without thinking sends nothing",
			request: { model: "gpt-4o", messages: HI, think: "high" },
			target: target("gpt-4o", "openrouter"),
			params: { model: "gpt-4o", messages: HI, ...STREAMING },
		},
		{
			kind: "logprobs with top_logprobs",
			request: { model: "gpt-4o", messages: HI, logprobs: true, top_logprobs: 3 },
			target: GPT_4O,
			params: { model: "gpt-4o", messages: HI, ...STREAMING, logprobs: true, top_logprobs: 3 },
		},
		{
			kind: "logprobs with top_logprobs 0 asks for the chosen tokens only",
			request: { model: "gpt-4o", messages: HI, logprobs: true, top_logprobs: 0 },
			target: GPT_4O,
			params: { model: "gpt-4o", messages: HI, ...STREAMING, logprobs: true },
		},
		{
			kind: "top_logprobs without logprobs sends neither",
			request: { model: "gpt-4o", messages: HI, logprobs: false, top_logprobs: 5 },
			target: GPT_4O,
			params: { model: "gpt-4o", messages: HI, ...STREAMING },
		},
		{
			kind: "logprobs null sends neither",
			request: { model: "gpt-4o", messages: HI, logprobs: null, top_logprobs: null },
			target: GPT_4O,
			params: { model: "gpt-4o", messages: HI, ...STREAMING },
		},
	])("$kind", ({ request, target, params }) => {
		expect(chatToOpenAI(request, target, true)).toEqual(params);
		const { messages: _messages, tools: _tools, ...generate } = request;
		expect(generateToOpenAI({ ...generate, prompt: "Hi" }, target, true)).toEqual(params);
	});
});

const CODESTRAL = target("codestral-latest", "openai", ["completion", "tools", "insert"]);

describe("fillInMiddleToOpenAI: a suffix is one legacy completions request with prompt and suffix as they are", () => {
	test.each<{
		kind: string;
		request: GenerateRequest;
		target: Target;
		params: CompletionCreateParams & Record<string, unknown>;
	}>([
		{
			kind: "the prompt and the suffix, streamed with usage",
			request: { model: "Codestral:latest", prompt: "def add(a, b):\n", suffix: "\n\nprint(add(1, 2))" },
			target: CODESTRAL,
			params: {
				model: "codestral-latest",
				prompt: "def add(a, b):\n",
				suffix: "\n\nprint(add(1, 2))",
				...STREAMING,
			},
		},
		{
			kind: "an absent prompt and suffix are empty",
			request: { model: "codestral" },
			target: CODESTRAL,
			params: { model: "codestral-latest", prompt: "", suffix: "", ...STREAMING },
		},
		{
			kind: "null prompt and suffix are empty",
			request: { model: "codestral", prompt: null, suffix: null },
			target: CODESTRAL,
			params: { model: "codestral-latest", prompt: "", suffix: "", ...STREAMING },
		},
		{
			kind: "sampling options; num_predict is max_tokens",
			request: {
				model: "codestral",
				prompt: "a",
				suffix: "b",
				options: { num_predict: 64, temperature: 0, top_p: 0.9, seed: 7, stop: ["\n\n"], presence_penalty: 0.1 },
			},
			target: CODESTRAL,
			params: {
				model: "codestral-latest",
				prompt: "a",
				suffix: "b",
				...STREAMING,
				max_tokens: 64,
				temperature: 0,
				top_p: 0.9,
				seed: 7,
				stop: ["\n\n"],
				presence_penalty: 0.1,
			},
		},
		{
			kind: "num_predict is max_tokens even for a model whose chat API wants max_completion_tokens",
			request: { model: "gpt-5-codex", prompt: "a", suffix: "b", options: { num_predict: 32, temperature: 1 } },
			target: target("openai/gpt-5-codex", "openai", ["completion", "insert"]),
			params: {
				model: "openai/gpt-5-codex",
				prompt: "a",
				suffix: "b",
				...STREAMING,
				temperature: 1,
				max_tokens: 32,
			},
		},
		{
			kind: "num_predict -1 sends no limit",
			request: { model: "gpt-5-codex", prompt: "a", suffix: "b", options: { num_predict: -1 } },
			target: target("gpt-5-codex", "openai", ["insert"]),
			params: { model: "gpt-5-codex", prompt: "a", suffix: "b", ...STREAMING },
		},
		{
			kind: "the dialect's extra sampling options",
			request: { model: "qwen2.5-coder", prompt: "a", suffix: "b", options: { top_k: 20, repeat_penalty: 1.05 } },
			target: target("qwen2.5-coder", "llamacpp", ["completion", "insert"]),
			params: {
				model: "qwen2.5-coder",
				prompt: "a",
				suffix: "b",
				...STREAMING,
				top_k: 20,
				repeat_penalty: 1.05,
			},
		},
		{
			kind: "logprobs is the number of alternatives the completions API takes",
			request: { model: "codestral", prompt: "a", suffix: "b", logprobs: true, top_logprobs: 5 },
			target: CODESTRAL,
			params: { model: "codestral-latest", prompt: "a", suffix: "b", ...STREAMING, logprobs: 5 },
		},
		{
			kind: "logprobs without top_logprobs asks for one",
			request: { model: "codestral", prompt: "a", suffix: "b", logprobs: true },
			target: CODESTRAL,
			params: { model: "codestral-latest", prompt: "a", suffix: "b", ...STREAMING, logprobs: 1 },
		},
		{
			kind: "logprobs with top_logprobs 0 asks for one",
			request: { model: "codestral", prompt: "a", suffix: "b", logprobs: true, top_logprobs: 0 },
			target: CODESTRAL,
			params: { model: "codestral-latest", prompt: "a", suffix: "b", ...STREAMING, logprobs: 1 },
		},
		{
			kind: "top_logprobs without logprobs sends none",
			request: { model: "codestral", prompt: "a", suffix: "b", logprobs: false, top_logprobs: 4 },
			target: CODESTRAL,
			params: { model: "codestral-latest", prompt: "a", suffix: "b", ...STREAMING },
		},
	])("$kind", ({ request, target, params }) => {
		expect(fillInMiddleToOpenAI(request, target, true)).toEqual(params);
	});

	test.each<{ kind: string; request: GenerateRequest; target: Target; error: { status: number; message: string } }>([
		{
			kind: "a chat model cannot insert; the model is named as the client spelled it",
			request: { model: "GPT-4o", prompt: "def f():", suffix: "    return 1" },
			target: GPT_4O,
			error: { status: 400, message: "GPT-4o does not support insert" },
		},
		{
			kind: "a thinking model cannot insert",
			request: { model: "o3", prompt: "a", suffix: "b" },
			target: target("o3", "openai", THINKER),
			error: { status: 400, message: "o3 does not support insert" },
		},
		{
			kind: "an embedding model cannot insert",
			request: { model: "nomic-embed-text", prompt: "a", suffix: "b" },
			target: target("nomic-embed-text", "llamacpp", ["embedding"]),
			error: { status: 400, message: "nomic-embed-text does not support insert" },
		},
	])("$kind is a 400", ({ request, target, error }) => {
		expect(thrown(() => fillInMiddleToOpenAI(request, target, false))).toEqual(error);
	});
});

describe("stream false: the upstream is asked for the whole answer, without stream_options", () => {
	test.each<{ kind: string; translate: () => unknown; params: Record<string, unknown> }>([
		{
			kind: "chat",
			translate: () =>
				chatToOpenAI({ model: "gpt-4o", messages: HI, options: { num_predict: 8 }, format: "json" }, GPT_4O, false),
			params: {
				model: "gpt-4o",
				messages: HI,
				stream: false,
				max_tokens: 8,
				response_format: { type: "json_object" },
			},
		},
		{
			kind: "chat with tools and thinking switched off",
			translate: () =>
				chatToOpenAI(
					{ model: "deepseek-r1", messages: HI, tools: [WEATHER_TOOL], think: false },
					target("deepseek/deepseek-r1", "openrouter", THINKER),
					false,
				),
			params: {
				model: "deepseek/deepseek-r1",
				messages: HI,
				stream: false,
				reasoning: { enabled: false },
				tools: [WEATHER_TOOL],
			},
		},
		{
			kind: "generate",
			translate: () =>
				generateToOpenAI({ model: "gpt-4o", prompt: "Hi", system: "Be brief.", logprobs: true }, GPT_4O, false),
			params: {
				model: "gpt-4o",
				messages: [{ role: "system", content: "Be brief." }, ...HI],
				stream: false,
				logprobs: true,
			},
		},
		{
			kind: "fill-in-the-middle",
			translate: () =>
				fillInMiddleToOpenAI(
					{ model: "codestral", prompt: "a", suffix: "b", options: { num_predict: 16 }, logprobs: true },
					CODESTRAL,
					false,
				),
			params: { model: "codestral-latest", prompt: "a", suffix: "b", stream: false, max_tokens: 16, logprobs: 1 },
		},
	])("$kind", ({ translate, params }) => {
		expect(translate()).toEqual(params);
	});
});

import { describe, expect, test } from "bun:test";
import {
	DIALECTS,
	type Dialect,
	dialectOf,
	extraSamplingParams,
	reasoningField,
	reasoningParams,
	withoutReasoningParams,
} from "../../src/core/dialect.ts";
import type { Capability, Target } from "../../src/core/target.ts";
import type { ChatRequest, GenerateRequest } from "../../src/protocols/ollama/request-schemas.ts";

const THINKING: readonly Capability[] = ["completion", "tools", "thinking"];
const NOT_THINKING: readonly Capability[] = ["completion", "tools"];

const target = (dialect: Dialect, capabilities: readonly Capability[] = THINKING): Target => ({
	id: "some-model",
	dialect,
	capabilities,
});

describe("DIALECTS: the upstream dialects a configuration may name", () => {
	test("openai, openrouter, vllm and llamacpp, in that order", () => {
		expect(DIALECTS).toEqual(["openai", "openrouter", "vllm", "llamacpp"]);
	});
});

describe("dialectOf: OpenRouter by its host, everything else OpenAI", () => {
	test.each<{ baseURL: string; dialect: Dialect }>([
		{ baseURL: "https://openrouter.ai/api/v1", dialect: "openrouter" },
		{ baseURL: "https://api.openrouter.ai/v1", dialect: "openrouter" },
		{ baseURL: "https://OpenRouter.AI/api/v1", dialect: "openrouter" },
		{ baseURL: "https://openrouter.ai:443/api/v1/", dialect: "openrouter" },
		{ baseURL: "https://api.openai.com/v1", dialect: "openai" },
		{ baseURL: "http://localhost:8000/v1", dialect: "openai" },
		{ baseURL: "http://127.0.0.1:8080", dialect: "openai" },
		{ baseURL: "https://example.com/openrouter.ai/v1", dialect: "openai" },
		{ baseURL: "https://openrouter.ai.example.com/v1", dialect: "openai" },
		// A host that merely ends in the same letters is somebody else's.
		{ baseURL: "https://notopenrouter.ai/v1", dialect: "openai" },
	])("$baseURL → $dialect", ({ baseURL, dialect }) => {
		expect(dialectOf(baseURL)).toBe(dialect);
	});

	test("a base URL that is not a URL throws", () => {
		expect(() => dialectOf("openrouter.ai")).toThrow(TypeError);
	});
});

type Think = ChatRequest["think"];

describe("reasoningParams: no thinking switch unless the client set one and the model thinks", () => {
	test.each<{ kind: string; think: Think; capabilities: readonly Capability[] }>([
		{ kind: "think absent", think: undefined, capabilities: THINKING },
		{ kind: "think null", think: null, capabilities: THINKING },
		{ kind: "think true on a model without thinking", think: true, capabilities: NOT_THINKING },
		{ kind: "think false on a model without thinking", think: false, capabilities: NOT_THINKING },
		{ kind: 'think "high" on a model without thinking', think: "high", capabilities: NOT_THINKING },
		{ kind: "think true on a model without any capability", think: true, capabilities: [] },
	])("$kind → {} for every dialect", ({ think, capabilities }) => {
		for (const dialect of DIALECTS) expect(reasoningParams(think, target(dialect, capabilities))).toEqual({});
	});
});

describe("reasoningParams: the thinking switch in each dialect's terms", () => {
	test.each<{ dialect: Dialect; think: Think; params: Record<string, unknown> }>([
		// OpenAI: effort only; `true` keeps the default and `false` cannot switch a reasoning model off.
		{ dialect: "openai", think: true, params: {} },
		{ dialect: "openai", think: false, params: {} },
		{ dialect: "openai", think: "low", params: { reasoning_effort: "low" } },
		{ dialect: "openai", think: "medium", params: { reasoning_effort: "medium" } },
		{ dialect: "openai", think: "high", params: { reasoning_effort: "high" } },
		{ dialect: "openai", think: "max", params: { reasoning_effort: "high" } },
		// OpenRouter: one `reasoning` object.
		{ dialect: "openrouter", think: true, params: { reasoning: { enabled: true } } },
		{ dialect: "openrouter", think: false, params: { reasoning: { enabled: false } } },
		{ dialect: "openrouter", think: "low", params: { reasoning: { effort: "low" } } },
		{ dialect: "openrouter", think: "medium", params: { reasoning: { effort: "medium" } } },
		{ dialect: "openrouter", think: "high", params: { reasoning: { effort: "high" } } },
		{ dialect: "openrouter", think: "max", params: { reasoning: { effort: "high" } } },
		// vLLM and llama.cpp: the chat template's switch, plus an effort when there is one.
		{ dialect: "vllm", think: true, params: { chat_template_kwargs: { enable_thinking: true } } },
		{ dialect: "vllm", think: false, params: { chat_template_kwargs: { enable_thinking: false } } },
		{
			dialect: "vllm",
			think: "low",
			params: { chat_template_kwargs: { enable_thinking: true }, reasoning_effort: "low" },
		},
		{
			dialect: "vllm",
			think: "max",
			params: { chat_template_kwargs: { enable_thinking: true }, reasoning_effort: "high" },
		},
		{ dialect: "llamacpp", think: true, params: { chat_template_kwargs: { enable_thinking: true } } },
		{ dialect: "llamacpp", think: false, params: { chat_template_kwargs: { enable_thinking: false } } },
		{
			dialect: "llamacpp",
			think: "medium",
			params: { chat_template_kwargs: { enable_thinking: true }, reasoning_effort: "medium" },
		},
		{
			dialect: "llamacpp",
			think: "high",
			params: { chat_template_kwargs: { enable_thinking: true }, reasoning_effort: "high" },
		},
	])("$dialect, think $think", ({ dialect, think, params }) => {
		expect(reasoningParams(think, target(dialect))).toEqual(params);
	});
});

type Options = GenerateRequest["options"];

const ALL_EXTRA: Options = {
	top_k: 40,
	min_p: 0.05,
	typical_p: 0.9,
	repeat_penalty: 1.1,
	repeat_last_n: 64,
	temperature: 0.2,
	top_p: 0.8,
	num_predict: 10,
};

const NULL_EXTRA: Options = { top_k: null, min_p: null, typical_p: null, repeat_penalty: null, repeat_last_n: null };

describe("extraSamplingParams: llama.cpp-style options, only to upstreams that take them", () => {
	test.each<{ kind: string; options: Options; dialect: Dialect; params: Record<string, unknown> }>([
		{ kind: "OpenAI takes none", options: ALL_EXTRA, dialect: "openai", params: {} },
		{ kind: "no options", options: undefined, dialect: "llamacpp", params: {} },
		{ kind: "null options", options: null, dialect: "vllm", params: {} },
		{ kind: "empty options", options: {}, dialect: "openrouter", params: {} },
		{
			kind: "OpenRouter: top_k, min_p, and repeat_penalty as repetition_penalty",
			options: ALL_EXTRA,
			dialect: "openrouter",
			params: { top_k: 40, min_p: 0.05, repetition_penalty: 1.1 },
		},
		{
			kind: "vLLM: top_k, min_p, and repeat_penalty as repetition_penalty",
			options: ALL_EXTRA,
			dialect: "vllm",
			params: { top_k: 40, min_p: 0.05, repetition_penalty: 1.1 },
		},
		{
			kind: "llama.cpp: every one under its own name",
			options: ALL_EXTRA,
			dialect: "llamacpp",
			params: { top_k: 40, min_p: 0.05, typical_p: 0.9, repeat_penalty: 1.1, repeat_last_n: 64 },
		},
		{ kind: "llama.cpp: null values are skipped", options: NULL_EXTRA, dialect: "llamacpp", params: {} },
		{ kind: "vLLM: null values are skipped", options: NULL_EXTRA, dialect: "vllm", params: {} },
		{
			kind: "zero is a value, not an absence",
			options: { top_k: 0, min_p: 0, repeat_penalty: 0, repeat_last_n: 0, typical_p: 0 },
			dialect: "llamacpp",
			params: { top_k: 0, min_p: 0, typical_p: 0, repeat_penalty: 0, repeat_last_n: 0 },
		},
		{
			kind: "llama.cpp-only options are not sent to OpenRouter",
			options: { typical_p: 0.9, repeat_last_n: 64 },
			dialect: "openrouter",
			params: {},
		},
	])("$kind", ({ options, dialect, params }) => {
		const extra = extraSamplingParams(options, dialect);
		expect(extra).toEqual(params);
		expect(JSON.stringify(extra)).toBe(JSON.stringify(params));
	});
});

describe("reasoningField: where each dialect reads reasoning in history", () => {
	test.each<[Dialect, string | undefined]>([
		["openai", undefined],
		["openrouter", "reasoning"],
		["vllm", "reasoning_content"],
		["llamacpp", "reasoning_content"],
	])("%s → %p", (dialect, field) => {
		expect(reasoningField(dialect)).toBe(field as never);
	});
});

describe("withoutReasoningParams: the retry after an upstream refused the thinking switch", () => {
	const base = { model: "m", messages: [] };
	test.each<[string, Record<string, unknown>, string, Record<string, unknown> | undefined]>([
		[
			"OpenAI's refusal of reasoning_effort",
			{ ...base, reasoning_effort: "high" },
			"upstream rejected the request: Unrecognized request argument supplied: reasoning_effort",
			base,
		],
		[
			"vLLM's template switch and effort go together",
			{ ...base, chat_template_kwargs: { enable_thinking: true }, reasoning_effort: "low" },
			"upstream rejected the request: enable_thinking is not supported by this template",
			base,
		],
		[
			"OpenRouter's reasoning object",
			{ ...base, reasoning: { effort: "high" } },
			"upstream rejected the request: Reasoning is not supported for this model",
			base,
		],
		[
			"a refusal about something else is not retried",
			{ ...base, reasoning_effort: "high" },
			"upstream rejected the request: max_tokens is too large",
			undefined,
		],
		["nothing to drop is not retried", base, "upstream rejected the request: reasoning_effort", undefined],
	])("%s", (_, params, refusal, expected) => {
		expect(withoutReasoningParams(params, refusal)).toEqual(expected);
	});
});

import { describe, expect, test } from "bun:test";
import { usesMaxCompletionTokens } from "../../../src/core/token-limit.ts";
import { samplingParams } from "../../../src/protocols/ollama/options.ts";
import type { OllamaOptions } from "../../../src/protocols/ollama/request-schemas.ts";

describe("usesMaxCompletionTokens: OpenAI reasoning models want max_completion_tokens", () => {
	test.each([
		{ id: "o1", yes: true },
		{ id: "o3-mini", yes: true },
		{ id: "openai/o4-mini", yes: true },
		{ id: "gpt-5", yes: true },
		{ id: "GPT-5-mini", yes: true },
		{ id: "azure/gpt-5-nano", yes: true },
		{ id: "gpt-4o", yes: false },
		{ id: "gpt-4.1", yes: false },
		{ id: "omni-moderation-latest", yes: false },
		{ id: "llama-o1", yes: false },
		{ id: "deepseek-r1", yes: false },
	])("$id → $yes", ({ id, yes }) => {
		expect(usesMaxCompletionTokens(id)).toBe(yes);
	});
});

const CONTRACT_OPTIONS = {
	num_predict: 2,
	temperature: 0.2,
	top_p: 0.9,
	seed: 42,
	stop: ["zz"],
	frequency_penalty: 0.5,
	presence_penalty: 0.25,
};

describe("samplingParams: Ollama options → the OpenAI parameters OpenAI accepts", () => {
	test.each<{ kind: string; options: OllamaOptions; upstreamId: string; params: object }>([
		{ kind: "no options", options: undefined, upstreamId: "gpt-4o", params: {} },
		{ kind: "null options", options: null, upstreamId: "gpt-4o", params: {} },
		{ kind: "empty options", options: {}, upstreamId: "gpt-4o", params: {} },
		{
			kind: "every mapped key, num_predict as max_tokens",
			options: CONTRACT_OPTIONS,
			upstreamId: "gpt-4o",
			params: {
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
			kind: "every mapped key, num_predict as max_completion_tokens for a reasoning model",
			options: CONTRACT_OPTIONS,
			upstreamId: "o3-mini",
			params: {
				max_completion_tokens: 2,
				temperature: 0.2,
				top_p: 0.9,
				seed: 42,
				stop: ["zz"],
				frequency_penalty: 0.5,
				presence_penalty: 0.25,
			},
		},
		{ kind: "num_predict -1 (unlimited) is left out", options: { num_predict: -1 }, upstreamId: "gpt-4o", params: {} },
		{
			kind: "num_predict -2 (fill context) is left out",
			options: { num_predict: -2 },
			upstreamId: "gpt-4o",
			params: {},
		},
		{ kind: "num_predict 0 is left out", options: { num_predict: 0 }, upstreamId: "gpt-4o", params: {} },
		{ kind: "seed -1 (random) is left out", options: { seed: -1 }, upstreamId: "gpt-4o", params: {} },
		{ kind: "seed 0 is kept", options: { seed: 0 }, upstreamId: "gpt-4o", params: { seed: 0 } },
		{ kind: "an empty stop list is left out", options: { stop: [] }, upstreamId: "gpt-4o", params: {} },
		{
			kind: "zero temperature, top_p and penalties are kept",
			options: { temperature: 0, top_p: 0, frequency_penalty: 0, presence_penalty: 0 },
			upstreamId: "gpt-4o",
			params: { temperature: 0, top_p: 0, frequency_penalty: 0, presence_penalty: 0 },
		},
		{
			kind: "null values are absent values",
			options: {
				num_predict: null,
				temperature: null,
				top_p: null,
				seed: null,
				stop: null,
				frequency_penalty: null,
				presence_penalty: null,
			},
			upstreamId: "gpt-4o",
			params: {},
		},
		{
			kind: "llama.cpp-only and unknown keys are dropped",
			options: {
				top_k: 40,
				min_p: 0.05,
				typical_p: 1,
				repeat_penalty: 1.1,
				repeat_last_n: 64,
				num_ctx: 8192,
				mirostat: 0,
			},
			upstreamId: "gpt-4o",
			params: {},
		},
	])("$kind", ({ options, upstreamId, params }) => {
		expect(samplingParams(options, upstreamId)).toEqual(params);
	});
});

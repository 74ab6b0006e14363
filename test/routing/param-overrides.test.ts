import { describe, expect, test } from "bun:test";
import type { ModelParams, ParamOverride } from "../../src/config/file.ts";
import { applyParamOverrides, overrideValue } from "../../src/routing/param-overrides.ts";

describe("overrideValue: force wins, default fills in, min and max clamp numbers", () => {
	test.each<{ kind: string; value: unknown; override: ParamOverride; expected: unknown }>([
		{ kind: "force over a sent number", value: 4096, override: { force: 16384 }, expected: 16384 },
		{ kind: "force over nothing sent", value: undefined, override: { force: 16384 }, expected: 16384 },
		{ kind: "force of a string over a string", value: "low", override: { force: "high" }, expected: "high" },
		{ kind: "force ignores min and max", value: 5, override: { force: 100, min: 1, max: 10 }, expected: 100 },
		{ kind: "force of 0 is still a force", value: 0.7, override: { force: 0 }, expected: 0 },
		{ kind: "default when nothing sent", value: undefined, override: { default: 0.2 }, expected: 0.2 },
		{ kind: "default when null sent", value: null, override: { default: 0.2 }, expected: 0.2 },
		{ kind: "default not used when a value is sent", value: 0.9, override: { default: 0.2 }, expected: 0.9 },
		{ kind: "default of 0 not replaced by the sent 0", value: 0, override: { default: 1 }, expected: 0 },
		{ kind: "string default", value: undefined, override: { default: "medium" }, expected: "medium" },
		{ kind: "min raises a smaller value", value: 100, override: { min: 1000 }, expected: 1000 },
		{ kind: "min leaves a larger value", value: 2000, override: { min: 1000 }, expected: 2000 },
		{ kind: "min leaves an equal value", value: 1000, override: { min: 1000 }, expected: 1000 },
		{ kind: "max lowers a larger value", value: 9000, override: { max: 4096 }, expected: 4096 },
		{ kind: "max leaves a smaller value", value: 10, override: { max: 4096 }, expected: 10 },
		{ kind: "max leaves an equal value", value: 4096, override: { max: 4096 }, expected: 4096 },
		{ kind: "min and max: below", value: -1, override: { min: 0, max: 2 }, expected: 0 },
		{ kind: "min and max: inside", value: 1.5, override: { min: 0, max: 2 }, expected: 1.5 },
		{ kind: "min and max: above", value: 3, override: { min: 0, max: 2 }, expected: 2 },
		{ kind: "default then clamped by max", value: undefined, override: { default: 10, max: 5 }, expected: 5 },
		{ kind: "default then clamped by min", value: undefined, override: { default: 1, min: 5 }, expected: 5 },
		{ kind: "min with nothing sent stays unset", value: undefined, override: { min: 5 }, expected: undefined },
		{ kind: "max with null sent: nothing to write", value: null, override: { max: 5 }, expected: undefined },
		{ kind: "a string is not clamped", value: "high", override: { min: 1, max: 2 }, expected: "high" },
		{ kind: "a numeric string is not clamped", value: "9000", override: { max: 4096 }, expected: "9000" },
		{ kind: "a boolean is not clamped", value: true, override: { min: 5 }, expected: true },
		{ kind: "an object passes through", value: { a: 1 }, override: { max: 1 }, expected: { a: 1 } },
	])("$kind", ({ value, override, expected }) => {
		expect(overrideValue(value, override)).toEqual(expected);
	});
});

type Params = Record<string, unknown>;

describe("applyParamOverrides: each configured parameter, the token limit under the key the request uses", () => {
	test.each<{
		kind: string;
		params: Params;
		overrides: ModelParams;
		tokenKey: "max_tokens" | "max_completion_tokens";
		expected: Params;
	}>([
		{
			kind: "no overrides: an equal copy",
			params: { model: "m", max_tokens: 10, temperature: 0.5 },
			overrides: {},
			tokenKey: "max_tokens",
			expected: { model: "m", max_tokens: 10, temperature: 0.5 },
		},
		{
			kind: "max_tokens forced where the request sent max_tokens",
			params: { model: "m", max_tokens: 4096 },
			overrides: { max_tokens: { force: 16384 } },
			tokenKey: "max_completion_tokens",
			expected: { model: "m", max_tokens: 16384 },
		},
		{
			kind: "max_tokens forced where the request sent max_completion_tokens",
			params: { model: "m", max_completion_tokens: 4096 },
			overrides: { max_tokens: { force: 16384 } },
			tokenKey: "max_tokens",
			expected: { model: "m", max_completion_tokens: 16384 },
		},
		{
			kind: "both keys sent: max_tokens is the one overridden",
			params: { max_tokens: 1, max_completion_tokens: 2 },
			overrides: { max_tokens: { force: 3 } },
			tokenKey: "max_completion_tokens",
			expected: { max_tokens: 3, max_completion_tokens: 2 },
		},
		{
			kind: "neither sent: written under tokenKey max_completion_tokens",
			params: { model: "m" },
			overrides: { max_tokens: { default: 2048 } },
			tokenKey: "max_completion_tokens",
			expected: { model: "m", max_completion_tokens: 2048 },
		},
		{
			kind: "neither sent: written under tokenKey max_tokens",
			params: { model: "m" },
			overrides: { max_tokens: { force: 2048 } },
			tokenKey: "max_tokens",
			expected: { model: "m", max_tokens: 2048 },
		},
		{
			kind: "a null max_tokens counts as not sent",
			params: { max_tokens: null, max_completion_tokens: 100 },
			overrides: { max_tokens: { max: 50 } },
			tokenKey: "max_tokens",
			expected: { max_tokens: null, max_completion_tokens: 50 },
		},
		{
			kind: "neither sent and only a clamp: nothing added",
			params: { model: "m" },
			overrides: { max_tokens: { max: 4096 } },
			tokenKey: "max_tokens",
			expected: { model: "m" },
		},
		{
			kind: "max_completion_tokens clamped by max",
			params: { max_completion_tokens: 100_000 },
			overrides: { max_tokens: { max: 32_000 } },
			tokenKey: "max_tokens",
			expected: { max_completion_tokens: 32_000 },
		},
		{
			kind: "temperature clamped, top_p defaulted, reasoning_effort forced",
			params: { model: "m", temperature: 1.8 },
			overrides: {
				temperature: { max: 1 },
				top_p: { default: 0.9 },
				reasoning_effort: { force: "high" },
			},
			tokenKey: "max_tokens",
			expected: { model: "m", temperature: 1, top_p: 0.9, reasoning_effort: "high" },
		},
		{
			kind: "temperature raised by min, top_p left alone",
			params: { temperature: 0, top_p: 0.5 },
			overrides: { temperature: { min: 0.1 }, top_p: { min: 0.1, max: 1 } },
			tokenKey: "max_tokens",
			expected: { temperature: 0.1, top_p: 0.5 },
		},
		{
			kind: "reasoning_effort defaulted only when absent",
			params: { reasoning_effort: "low" },
			overrides: { reasoning_effort: { default: "medium" } },
			tokenKey: "max_tokens",
			expected: { reasoning_effort: "low" },
		},
		{
			kind: "undefined override entries are skipped",
			params: { temperature: 0.3 },
			overrides: { temperature: undefined, top_p: undefined, max_tokens: undefined },
			tokenKey: "max_tokens",
			expected: { temperature: 0.3 },
		},
		{
			kind: "every parameter at once",
			params: { model: "m", messages: [], max_tokens: 4096, temperature: 2 },
			overrides: {
				max_tokens: { force: 16384 },
				temperature: { max: 1.5 },
				top_p: { force: 1 },
				reasoning_effort: { default: "low" },
			},
			tokenKey: "max_completion_tokens",
			expected: {
				model: "m",
				messages: [],
				max_tokens: 16384,
				temperature: 1.5,
				top_p: 1,
				reasoning_effort: "low",
			},
		},
	])("$kind", ({ params, overrides, tokenKey, expected }) => {
		expect(applyParamOverrides(params, overrides, tokenKey)).toEqual(expected);
	});

	test("the input object is not mutated, and a new object is returned", () => {
		const params: Record<string, unknown> = { model: "m", max_tokens: 4096, temperature: 2, nested: { keep: true } };
		const before = structuredClone(params);
		const out = applyParamOverrides(
			params,
			{ max_tokens: { force: 16384 }, temperature: { max: 1 }, top_p: { default: 0.9 } },
			"max_tokens",
		);
		expect(params).toEqual(before);
		expect(out).not.toBe(params);
		expect(out).toEqual({ model: "m", max_tokens: 16384, temperature: 1, top_p: 0.9, nested: { keep: true } });
	});
});

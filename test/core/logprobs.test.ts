import { describe, expect, test } from "bun:test";
import type { ChatCompletionTokenLogprob } from "openai/resources/chat/completions";
import type { CompletionChoice } from "openai/resources/completions";
import type { Logprob } from "../../src/core/logprobs.ts";
import { fromChatLogprobs, fromCompletionLogprobs } from "../../src/core/logprobs.ts";

describe("fromChatLogprobs: chat `logprobs.content[]` maps one to one onto Ollama's `logprobs[]`", () => {
	test.each<{ kind: string; content: ChatCompletionTokenLogprob[] | null | undefined; logprobs: string }>([
		{ kind: "absent is none", content: undefined, logprobs: "[]" },
		{ kind: "null is none", content: null, logprobs: "[]" },
		{ kind: "empty is none", content: [], logprobs: "[]" },
		{
			kind: "token, logprob, bytes and top_logprobs, in Ollama's key order",
			content: [
				{
					bytes: [72, 105],
					logprob: -0.01,
					token: "Hi",
					top_logprobs: [
						{ token: "Hi", logprob: -0.01, bytes: [72, 105] },
						{ token: "Hey", logprob: -4.5, bytes: [72, 101, 121] },
					],
				},
			],
			logprobs:
				'[{"token":"Hi","logprob":-0.01,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.01,"bytes":[72,105]},{"token":"Hey","logprob":-4.5,"bytes":[72,101,121]}]}]',
		},
		{
			kind: "null and empty bytes are left out, as Go's omitempty does",
			content: [
				{ token: "a", logprob: -1, bytes: null, top_logprobs: [{ token: "a", logprob: -1, bytes: [] }] },
				{ token: "b", logprob: -2, bytes: [], top_logprobs: [{ token: "b", logprob: -2, bytes: null }] },
			],
			logprobs:
				'[{"token":"a","logprob":-1,"top_logprobs":[{"token":"a","logprob":-1}]},{"token":"b","logprob":-2,"top_logprobs":[{"token":"b","logprob":-2}]}]',
		},
		{
			kind: "empty top_logprobs are left out",
			content: [{ token: " world", logprob: -0.5, bytes: [32, 119, 111, 114, 108, 100], top_logprobs: [] }],
			logprobs: '[{"token":" world","logprob":-0.5,"bytes":[32,119,111,114,108,100]}]',
		},
		{
			kind: "absent top_logprobs (some servers) are left out",
			content: [{ token: "x", logprob: 0 } as ChatCompletionTokenLogprob],
			logprobs: '[{"token":"x","logprob":0}]',
		},
		{
			kind: "several tokens keep their order",
			content: [
				{ token: "1", logprob: -0.1, bytes: [49], top_logprobs: [] },
				{ token: "2", logprob: -0.2, bytes: [50], top_logprobs: [] },
				{ token: "3", logprob: -0.3, bytes: [51], top_logprobs: [] },
			],
			logprobs:
				'[{"token":"1","logprob":-0.1,"bytes":[49]},{"token":"2","logprob":-0.2,"bytes":[50]},{"token":"3","logprob":-0.3,"bytes":[51]}]',
		},
	])("$kind", ({ content, logprobs }) => {
		expect(JSON.stringify(fromChatLogprobs(content))).toBe(logprobs);
	});

	test("extra OpenAI fields on a token are not copied", () => {
		const content = [
			{ token: "a", logprob: -1, bytes: [97], top_logprobs: [], extra: true },
		] as unknown as ChatCompletionTokenLogprob[];
		expect(fromChatLogprobs(content)).toEqual([{ token: "a", logprob: -1, bytes: [97] }]);
	});
});

describe("fromCompletionLogprobs: the legacy API's parallel arrays are zipped into the same shape", () => {
	test.each<{ kind: string; logprobs: CompletionChoice.Logprobs | null | undefined; expected: Logprob[] }>([
		{ kind: "absent is none", logprobs: undefined, expected: [] },
		{ kind: "null is none", logprobs: null, expected: [] },
		{ kind: "no tokens is none", logprobs: { token_logprobs: [-1], top_logprobs: [{ a: -1 }] }, expected: [] },
		{
			kind: "tokens with their logprobs and top alternatives",
			logprobs: {
				tokens: ["def", " f"],
				token_logprobs: [-0.25, -1.5],
				top_logprobs: [{ def: -0.25, class: -2 }, { " f": -1.5 }],
				text_offset: [0, 3],
			},
			expected: [
				{
					token: "def",
					logprob: -0.25,
					top_logprobs: [
						{ token: "def", logprob: -0.25 },
						{ token: "class", logprob: -2 },
					],
				},
				{ token: " f", logprob: -1.5, top_logprobs: [{ token: " f", logprob: -1.5 }] },
			],
		},
		{
			kind: "without top_logprobs, none are given",
			logprobs: { tokens: ["a", "b"], token_logprobs: [-1, -2] },
			expected: [
				{ token: "a", logprob: -1 },
				{ token: "b", logprob: -2 },
			],
		},
		{
			kind: "an empty top_logprobs entry is left out",
			logprobs: { tokens: ["a", "b"], token_logprobs: [-1, -2], top_logprobs: [{}, { b: -2 }] },
			expected: [
				{ token: "a", logprob: -1 },
				{ token: "b", logprob: -2, top_logprobs: [{ token: "b", logprob: -2 }] },
			],
		},
		{
			kind: "a missing logprob is 0",
			logprobs: { tokens: ["a", "b"], token_logprobs: [-1] },
			expected: [
				{ token: "a", logprob: -1 },
				{ token: "b", logprob: 0 },
			],
		},
		{
			kind: "a null logprob (the first echoed token) is 0",
			logprobs: { tokens: ["a"], token_logprobs: [null as unknown as number] },
			expected: [{ token: "a", logprob: 0 }],
		},
		{
			kind: "no token_logprobs at all is 0 for every token",
			logprobs: { tokens: ["a"] },
			expected: [{ token: "a", logprob: 0 }],
		},
	])("$kind", ({ logprobs, expected }) => {
		const converted = fromCompletionLogprobs(logprobs);
		expect(converted).toEqual(expected);
		expect(JSON.stringify(converted)).toBe(JSON.stringify(expected));
	});
});

import { describe, expect, test } from "bun:test";
import { wholeAnswerAsChunk } from "../../src/upstream/whole-answer.ts";

describe("wholeAnswerAsChunk", () => {
	test.each([
		[
			"a chat completion: message becomes delta",
			{
				id: "c",
				choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
				usage: { prompt_tokens: 1 },
			},
			{
				id: "c",
				choices: [{ index: 0, delta: { role: "assistant", content: "hi" }, finish_reason: "stop", logprobs: null }],
				usage: { prompt_tokens: 1 },
			},
		],
		[
			"missing index, finish reason and logprobs get their chunk defaults",
			{ choices: [{ message: { content: "x" } }] },
			{ choices: [{ index: 0, delta: { content: "x" }, finish_reason: null, logprobs: null }] },
		],
		[
			"a text completion already has the chunk's shape",
			{ choices: [{ index: 0, text: "mid", finish_reason: "stop" }] },
			{ choices: [{ index: 0, text: "mid", finish_reason: "stop" }] },
		],
		["an error body is left as it is", { error: { message: "nope" } }, { error: { message: "nope" } }],
		["null is left as it is", null, null],
	])("%s", (_, body, chunk) => {
		expect(wholeAnswerAsChunk(body)).toEqual(chunk);
	});
});

/** The reservation at admission and the charge at settle, value by value. */
import { describe, expect, test } from "bun:test";
import { COMPLETION_CAP, promptEstimate, requestedMaxTokens, reserveTokens } from "../../src/limits/reservation.ts";
import { charge, endingOf } from "../../src/limits/settlement.ts";

describe("reservation: prompt bytes ÷ 4 plus the token limit capped at 4096", () => {
	test.each([
		[0, undefined, 4096],
		[1, undefined, 1 + 4096],
		[4, 100, 1 + 100],
		[5, 100, 2 + 100],
		[400, 5000, 100 + 4096],
		[400, 4096, 100 + 4096],
		[400, 0, 100 + 4096],
		[400, -1, 100 + 4096],
	])("%p bytes, max tokens %p → %p", (bytes, max, expected) => {
		expect(reserveTokens(bytes, max)).toBe(expected);
	});

	test("the cap is OpenAI's 4096 and an estimate never goes below zero", () => {
		expect(COMPLETION_CAP).toBe(4096);
		expect(promptEstimate(-5)).toBe(0);
		expect(promptEstimate(9)).toBe(3);
	});

	test.each([
		[{ max_completion_tokens: 10, max_tokens: 20 }, 10],
		[{ max_tokens: 20 }, 20],
		[{ max_output_tokens: 30 }, 30],
		[{ options: { num_predict: 40 } }, 40],
		[{ options: { num_predict: -1 } }, undefined],
		[{ options: "nonsense" }, undefined],
		[{ max_tokens: "12" }, undefined],
		[{ max_tokens: Number.POSITIVE_INFINITY }, undefined],
		[{}, undefined],
		[null, undefined],
		["text", undefined],
	])("the token limit of %j is %p", (body, expected) => {
		expect(requestedMaxTokens(body)).toBe(expected);
	});
});

describe("the charge when an answer ends", () => {
	const estimated = { deltas: 3, promptEstimate: 50 };
	const reported = { deltas: 3, promptEstimate: 50, reportedPrompt: 7, reportedCompletion: 2 };

	test.each([
		["complete", reported, { promptTokens: 7, completionTokens: 2, error: false }],
		["complete", estimated, { promptTokens: 50, completionTokens: 3, error: false }],
		["aborted", estimated, { promptTokens: 50, completionTokens: 3, error: false }],
		["aborted", { ...estimated, reportedPrompt: 9 }, { promptTokens: 9, completionTokens: 3, error: false }],
		["cut", estimated, { promptTokens: 50, completionTokens: 3, error: true }],
		["failed", { deltas: 0, promptEstimate: 50 }, { promptTokens: 0, completionTokens: 0, error: true }],
		["failed", estimated, { promptTokens: 50, completionTokens: 3, error: true }],
		["failed", reported, { promptTokens: 7, completionTokens: 2, error: true }],
	] as const)("%s with %j", (ending, figures, expected) => {
		expect(charge(figures, ending)).toEqual(expected);
	});

	test.each([
		[200, false, false, "complete"],
		[200, true, false, "aborted"],
		[499, false, false, "complete"],
		[200, false, true, "cut"],
		[502, false, false, "failed"],
		[429, true, false, "aborted"],
	] as const)("status %p, aborted %p, cut %p: %s", (status, aborted, cut, expected) => {
		expect(endingOf(status, aborted, cut)).toBe(expected);
	});
});

import { describe, expect, test } from "bun:test";
import { type Split, thinkTagSplitter } from "../../src/core/think-tags.ts";

/** Every split one splitter returns for the pieces, then its flush. */
function run(pieces: readonly string[]): Split[] {
	const splitter = thinkTagSplitter();
	return [...pieces.map((piece) => splitter.push(piece)), splitter.flush()];
}

/** The content and thinking of a whole stream, concatenated. */
function joined(pieces: readonly string[]): Split {
	return run(pieces).reduce(
		(total, split) => ({ content: total.content + split.content, thinking: total.thinking + split.thinking }),
		{ content: "", thinking: "" },
	);
}

/** Whole answers and what the splitter makes of them. */
const ANSWERS: ReadonlyArray<{ kind: string; text: string; split: Split }> = [
	{
		kind: "a leading think block is thinking; the blank lines after it belong to neither",
		text: "<think>Let me think.</think>\n\nThe answer is 42.",
		split: { content: "The answer is 42.", thinking: "Let me think." },
	},
	{
		kind: "whitespace before <think> is dropped",
		text: "\n  <think>Hmm</think>Yes",
		split: { content: "Yes", thinking: "Hmm" },
	},
	{
		kind: "an unterminated think block is all thinking",
		text: "<think>Still thinking about </thi",
		split: { content: "", thinking: "Still thinking about </thi" },
	},
	{
		kind: "an empty think block",
		text: "<think></think>Answer",
		split: { content: "Answer", thinking: "" },
	},
	{
		kind: "a think block and nothing after it",
		text: "<think>Only thoughts</think>\n\n",
		split: { content: "", thinking: "Only thoughts" },
	},
	{
		kind: "an answer that mentions <think> later is left alone",
		text: "Wrap it in <think></think> tags.",
		split: { content: "Wrap it in <think></think> tags.", thinking: "" },
	},
	{
		kind: "leading whitespace of an answer without a think block is kept",
		text: "\n\nHello <think>",
		split: { content: "\n\nHello <think>", thinking: "" },
	},
	{
		kind: "<thinking> is not <think>",
		text: "<thinking>no</thinking>",
		split: { content: "<thinking>no</thinking>", thinking: "" },
	},
	{
		kind: "a second think block is content",
		text: "<think>a</think>b<think>c</think>",
		split: { content: "b<think>c</think>", thinking: "a" },
	},
	{
		kind: "a < inside the thoughts is thinking",
		text: "<think>1 < 2 and </b></think>ok",
		split: { content: "ok", thinking: "1 < 2 and </b>" },
	},
	{
		kind: "a lone partial open tag is content",
		text: "<thi",
		split: { content: "<thi", thinking: "" },
	},
	{
		kind: "only whitespace is content",
		text: " \n ",
		split: { content: " \n ", thinking: "" },
	},
	{ kind: "nothing is nothing", text: "", split: { content: "", thinking: "" } },
];

describe("thinkTagSplitter: a leading <think> block is thinking, the rest content", () => {
	test.each(ANSWERS)("$kind, in one piece", ({ text, split }) => {
		expect(joined([text])).toEqual(split);
	});
});

describe("thinkTagSplitter: the same answer however the stream cuts it", () => {
	test.each(ANSWERS)("$kind, cut in two at every boundary", ({ text, split }) => {
		for (let i = 0; i <= text.length; i++) {
			expect({ at: i, ...joined([text.slice(0, i), text.slice(i)]) }).toEqual({ at: i, ...split });
		}
	});

	test.each(ANSWERS)("$kind, cut in three at every pair of boundaries", ({ text, split }) => {
		for (let i = 0; i <= text.length; i++) {
			for (let j = i; j <= text.length; j++) {
				const pieces = [text.slice(0, i), text.slice(i, j), text.slice(j)];
				expect({ pieces, ...joined(pieces) }).toEqual({ pieces, ...split });
			}
		}
	});

	test.each(ANSWERS)("$kind, one character at a time", ({ text, split }) => {
		expect(joined([...text])).toEqual(split);
	});
});

describe("thinkTagSplitter: text goes out as soon as it can be told apart, tags are held back", () => {
	test.each<{ kind: string; pieces: string[]; splits: Split[] }>([
		{
			kind: "a partial open tag is held until it is complete",
			pieces: ["<", "think", ">Hm", "m</", "think>", "\n\nYes"],
			splits: [
				{ content: "", thinking: "" },
				{ content: "", thinking: "" },
				{ content: "", thinking: "Hm" },
				{ content: "", thinking: "m" },
				{ content: "", thinking: "" },
				{ content: "Yes", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "a partial open tag that turns out not to be one is content, whole",
			pieces: ["<thi", "s is bold"],
			splits: [
				{ content: "", thinking: "" },
				{ content: "<this is bold", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "whitespace is held until the first word shows whether a think block follows",
			pieces: ["\n", " ", "Hi", " there"],
			splits: [
				{ content: "", thinking: "" },
				{ content: "", thinking: "" },
				{ content: "\n Hi", thinking: "" },
				{ content: " there", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "the end of the thoughts and the start of the answer in one piece",
			pieces: ["<think>A", "B</think>\n\nC", "D"],
			splits: [
				{ content: "", thinking: "A" },
				{ content: "C", thinking: "B" },
				{ content: "D", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "blank lines after the block are dropped even across pieces",
			pieces: ["<think>A</think>", "\n", "\n", "B"],
			splits: [
				{ content: "", thinking: "A" },
				{ content: "", thinking: "" },
				{ content: "", thinking: "" },
				{ content: "B", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "a held partial close tag is thinking when the stream ends",
			pieces: ["<think>A</", "thin"],
			splits: [
				{ content: "", thinking: "A" },
				{ content: "", thinking: "" },
				{ content: "", thinking: "</thin" },
			],
		},
		{
			kind: "a < that does not start the close tag goes out at once",
			pieces: ["<think>a <", "b"],
			splits: [
				{ content: "", thinking: "a " },
				{ content: "", thinking: "<b" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "content after the answer started is never held, even a partial tag",
			pieces: ["Hi", " <thi", "nk>"],
			splits: [
				{ content: "Hi", thinking: "" },
				{ content: " <thi", thinking: "" },
				{ content: "nk>", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
	])("$kind", ({ pieces, splits }) => {
		expect(run(pieces)).toEqual(splits);
	});
});

describe("thinkTagSplitter: flush empties what is held", () => {
	test.each<{ kind: string; pieces: string[]; flushes: Split[] }>([
		{
			kind: "a second flush after thinking has nothing left",
			pieces: ["<think>A</thi"],
			flushes: [
				{ content: "", thinking: "</thi" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "a second flush after a held partial open tag has nothing left",
			pieces: ["<th"],
			flushes: [
				{ content: "<th", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
		{
			kind: "flush right after the block drops the blank lines",
			pieces: ["<think>A</think>\n"],
			flushes: [
				{ content: "", thinking: "" },
				{ content: "", thinking: "" },
			],
		},
	])("$kind", ({ pieces, flushes }) => {
		const splitter = thinkTagSplitter();
		for (const piece of pieces) splitter.push(piece);
		expect(flushes.map(() => splitter.flush())).toEqual(flushes);
	});
});

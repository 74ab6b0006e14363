import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { assistantBlocks, type BlockEvent } from "../../src/core/assistant-blocks.ts";
import { ProxyError } from "../../src/core/proxy-error.ts";
import { chatPiece } from "../../src/core/upstream-chunks.ts";
import { chunk, finish, toolCalls, usage } from "../support/chunks.ts";

/** Every block event the chunks make, in order, or the error that ended them. */
function blocksOf(chunks: readonly ChatCompletionChunk[]): BlockEvent[] {
	const blocks = assistantBlocks();
	return [...chunks.flatMap((c) => blocks.push(chatPiece(c))), ...blocks.finish()];
}

const NO_USAGE = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, reported: false };
const end = (finishReason: string, extra: Partial<Extract<BlockEvent, { type: "end" }>> = {}): BlockEvent => ({
	type: "end",
	finishReason,
	usage: NO_USAGE,
	...extra,
});
const start = (kind: "thinking" | "text"): BlockEvent => ({ type: "start", kind });
const stop = (kind: "thinking" | "text"): BlockEvent => ({ type: "stop", kind });
const text = (value: string): BlockEvent => ({ type: "delta", kind: "text", text: value });
const thinking = (value: string): BlockEvent => ({ type: "delta", kind: "thinking", text: value });
const tool = (id: string, name: string, args: string): BlockEvent => ({
	type: "tool",
	call: { id, name, arguments: args },
});

describe("assistantBlocks: upstream chunks → blocks", () => {
	const cases: Array<[string, ChatCompletionChunk[], BlockEvent[]]> = [
		[
			"text in one block; the role chunk and empty deltas make nothing",
			[chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" }), chunk({ content: "lo" }), finish("stop")],
			[start("text"), text("Hel"), text("lo"), stop("text"), end("stop")],
		],
		[
			"thinking, then text: the change of kind closes the first block",
			[chunk({ reasoning_content: "a" }), chunk({ reasoning: "b" }), chunk({ content: "c" }), finish("stop")],
			[
				start("thinking"),
				thinking("a"),
				thinking("b"),
				stop("thinking"),
				start("text"),
				text("c"),
				stop("text"),
				end("stop"),
			],
		],
		[
			"thinking after text opens a new thinking block (interleaved thinking)",
			[chunk({ reasoning: "r1" }), chunk({ content: "t" }), chunk({ reasoning: "r2" }), finish("stop")],
			[
				start("thinking"),
				thinking("r1"),
				stop("thinking"),
				start("text"),
				text("t"),
				stop("text"),
				start("thinking"),
				thinking("r2"),
				stop("thinking"),
				end("stop"),
			],
		],
		[
			"reasoning and content in one chunk: thinking first",
			[chunk({ reasoning_content: "r", content: "t" }), finish("stop")],
			[start("thinking"), thinking("r"), stop("thinking"), start("text"), text("t"), stop("text"), end("stop")],
		],
		[
			"a <think> block in the content is thinking, split across chunks",
			[chunk({ content: "<thi" }), chunk({ content: "nk>hm</think>\n\nok" }), finish("stop")],
			[start("thinking"), thinking("hm"), stop("thinking"), start("text"), text("ok"), stop("text"), end("stop")],
		],
		[
			"an unterminated <think> block is flushed as thinking at the end",
			[chunk({ content: "<think>still" }), finish("length")],
			[start("thinking"), thinking("still"), stop("thinking"), end("length")],
		],
		[
			"a tool call goes out whole at the end, after the text block closes",
			[
				chunk({ content: "Checking." }),
				toolCalls({ index: 0, id: "call_1", type: "function", function: { name: "Bash", arguments: '{"com' } }),
				toolCalls({ index: 0, function: { arguments: 'mand":"ls"}' } }),
				finish("tool_calls"),
			],
			[start("text"), text("Checking."), stop("text"), tool("call_1", "Bash", '{"command":"ls"}'), end("tool_calls")],
		],
		[
			"parallel calls: each goes out once the next one starts",
			[
				toolCalls({ index: 0, id: "a", function: { name: "f", arguments: "{}" } }),
				toolCalls({ index: 1, id: "b", function: { name: "g", arguments: '{"x":1}' } }),
				finish("tool_calls"),
			],
			[tool("a", "f", "{}"), tool("b", "g", '{"x":1}'), end("tool_calls")],
		],
		[
			"text in the middle of a call does not cut it; arguments stay raw, even when not JSON",
			[
				toolCalls({ index: 0, function: { name: "f", arguments: '{"com' } }),
				chunk({ content: "aside" }),
				toolCalls({ index: 0, function: { arguments: 'mand":"ls"}{bad' } }),
				finish("stop"),
			],
			[start("text"), text("aside"), stop("text"), tool("", "f", '{"command":"ls"}{bad'), end("stop")],
		],
		[
			"thinking after a second call has started sends the first one before it",
			[
				toolCalls({ index: 0, id: "a", function: { name: "f", arguments: "{}" } }),
				toolCalls({ index: 1, id: "b", function: { name: "g", arguments: "{}" } }),
				chunk({ reasoning: "hm" }),
				finish("tool_calls"),
			],
			[
				tool("a", "f", "{}"),
				start("thinking"),
				thinking("hm"),
				stop("thinking"),
				tool("b", "g", "{}"),
				end("tool_calls"),
			],
		],
		[
			"Gemini-style calls without an index are kept apart by their ids",
			[
				toolCalls({ id: "g1", function: { name: "f", arguments: "{}" } } as never),
				toolCalls({ id: "g2", function: { name: "g", arguments: "{}" } } as never),
				finish("stop"),
			],
			[tool("g1", "f", "{}"), tool("g2", "g", "{}"), end("stop")],
		],
		[
			"usage from the usage chunk, with cached and reasoning tokens",
			[
				chunk({ content: "x" }),
				finish("stop"),
				{
					...usage(90, 5),
					usage: {
						prompt_tokens: 90,
						completion_tokens: 5,
						total_tokens: 95,
						prompt_tokens_details: { cached_tokens: 64 },
						completion_tokens_details: { reasoning_tokens: 3 },
					},
				},
			],
			[
				start("text"),
				text("x"),
				stop("text"),
				end("stop", {
					usage: { promptTokens: 90, completionTokens: 5, cachedTokens: 64, reasoningTokens: 3, reported: true },
				}),
			],
		],
		[
			"usage without details counts no cached or reasoning tokens",
			[finish("stop"), usage(4, 0)],
			[
				end("stop", {
					usage: { promptTokens: 4, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, reported: true },
				}),
			],
		],
		[
			"vLLM names the stop string that matched",
			[
				chunk({ content: "a" }),
				{ ...finish("stop"), choices: [{ index: 0, delta: {}, finish_reason: "stop", stop_reason: "END" } as never] },
			],
			[start("text"), text("a"), stop("text"), end("stop", { stopSequence: "END" })],
		],
		[
			"a stop token id (a number) is not a stop sequence",
			[{ ...finish("stop"), choices: [{ index: 0, delta: {}, finish_reason: "stop", stop_reason: 151645 } as never] }],
			[end("stop")],
		],
	];
	test.each(cases)("%s", (_, chunks, expected) => {
		expect(blocksOf(chunks)).toEqual(expected);
	});

	test("a stream that ends without a finish reason is a 502 stream failure, not an answer", () => {
		const blocks = assistantBlocks();
		blocks.push(chatPiece(chunk({ content: "par" })));
		let thrown: unknown;
		try {
			blocks.finish();
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(ProxyError);
		expect(thrown).toMatchObject({
			status: 502,
			kind: "stream",
			message: "upstream stream ended before the answer was complete",
		});
	});
});

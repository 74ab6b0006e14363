/** OpenAI chat-completion chunks built by hand, for the translation code's unit tests. */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Piece } from "../../src/core/upstream-chunks.ts";

export type Delta = ChatCompletionChunk.Choice.Delta & {
	reasoning_content?: string | null;
	reasoning?: string | null;
	reasoning_details?: Array<{ type?: string; text?: string | null; summary?: string | null }> | null;
};
export type FinishReason = ChatCompletionChunk.Choice["finish_reason"];
export type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;

/** One streamed chunk with a single choice. */
export function chunk(delta: Delta, finishReason: FinishReason = null): ChatCompletionChunk {
	return {
		id: "chatcmpl-1",
		object: "chat.completion.chunk",
		created: 1_700_000_000,
		model: "gpt-4o",
		choices: [{ index: 0, delta, finish_reason: finishReason }],
	};
}

/** The last chunk of an answer: an empty delta and the finish reason. */
export const finish = (reason: NonNullable<FinishReason>) => chunk({}, reason);

/** A chunk carrying tool-call deltas. */
export const toolCalls = (...calls: ToolCallDelta[]) => chunk({ tool_calls: calls });

/** The usage-only chunk OpenAI sends after the finish reason when `include_usage` is on. */
export function usage(promptTokens: number, completionTokens: number): ChatCompletionChunk {
	return {
		id: "chatcmpl-1",
		object: "chat.completion.chunk",
		created: 1_700_000_000,
		model: "gpt-4o",
		choices: [],
		usage: {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens,
		},
	};
}

/** Items as an async stream. */
export async function* feed<T>(items: readonly T[]): AsyncGenerator<T> {
	for (const item of items) yield item;
}

/** Reduces a stream of upstream chunks to pieces, as the routes' hot path does inline. */
export async function* piecesOf<C>(chunks: AsyncIterable<C>, toPiece: (chunk: C) => Piece): AsyncGenerator<Piece> {
	for await (const item of chunks) yield toPiece(item);
}

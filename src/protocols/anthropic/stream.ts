/**
 * The assistant's blocks in Anthropic's words: streamed as `message_start`, `ping`, one `content_block_*` run per
 * thinking, text or tool_use block (indexes from 0, one open at a time), `message_delta` with the stop reason and
 * usage, and `message_stop`; or folded into one `message` object. A failure after the first byte is one `error`
 * event and nothing after it, which the SDK throws as an APIError.
 */

import { type AgentUsage, assistantBlocks, type BlockEvent, type FinishedCall } from "../../core/assistant-blocks.ts";
import type { ProxyError } from "../../core/proxy-error.ts";
import type { ProtocolRenderer, SseEvent } from "../../core/renderer.ts";
import { type Piece, parseToolArguments } from "../../core/upstream-chunks.ts";
import { randomId } from "../../lib/random-id.ts";
import { anthropicErrorBody } from "./errors.ts";
import { type StopReason, stopReasonOf } from "./stop-reasons.ts";
import { bytes, tokensOfBytes } from "./token-estimate.ts";

type ContentBlock =
	| { type: "thinking"; thinking: string; signature: string }
	| { type: "text"; text: string }
	| { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/** Whether a call's argument text is the JSON object Anthropic's `input` must be. */
function parses(call: FinishedCall): boolean {
	try {
		parseToolArguments(call.name, call.arguments);
		return true;
	} catch {
		return false;
	}
}

/**
 * The last events without a call the token limit cut in the middle of its arguments: the answer is then a
 * `max_tokens` stop, which Claude Code handles (it asks for more room), where an error would be retried as it was.
 */
function withoutCutCalls(events: BlockEvent[]): BlockEvent[] {
	const end = events.at(-1);
	if (end?.type !== "end" || end.finishReason !== "length") return events;
	return events.filter((e) => e.type !== "tool" || parses(e.call));
}

export type AnthropicUsage = { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number };

/**
 * Anthropic counts cached prompt tokens apart from the rest (Claude Code adds them back up), so they leave
 * `input_tokens` when the upstream reports them. Without any usage from the upstream, the estimates stand in.
 */
export function anthropicUsage(usage: AgentUsage, estimates: { input: number; output: number }): AnthropicUsage {
	if (!usage.reported) return { input_tokens: estimates.input, output_tokens: estimates.output };
	if (usage.cachedTokens > 0) {
		return {
			input_tokens: usage.promptTokens - usage.cachedTokens,
			output_tokens: usage.completionTokens,
			cache_read_input_tokens: usage.cachedTokens,
		};
	}
	return { input_tokens: usage.promptTokens, output_tokens: usage.completionTokens };
}

export type AnthropicRendererOptions = {
	/** The model as the client named it, echoed unchanged. */
	model: string;
	requestId: string;
	/** `message_start`'s input count, before the upstream's real one arrives. */
	estimatedInputTokens: number;
	/** `thinking: {type: "disabled"}`: no thinking blocks, wherever the upstream still put its reasoning. */
	hideThinking?: boolean;
};

export function renderer(options: AnthropicRendererOptions): ProtocolRenderer {
	const blocks = assistantBlocks();
	const id = randomId("msg_");
	const content: ContentBlock[] = [];
	/** Bytes generated, for the output estimate when the upstream reports no usage. */
	let generated = 0;
	let stopReason: StopReason = "end_turn";
	let stopSequence: string | null = null;
	let usage: AnthropicUsage = { input_tokens: options.estimatedInputTokens, output_tokens: 0 };
	let promptTokens = options.estimatedInputTokens;

	const event = (type: string, data: Record<string, unknown> = {}): SseEvent => ({
		event: type,
		data: { type, ...data },
	});
	const index = () => content.length - 1;

	function toolBlock(call: FinishedCall): SseEvent[] {
		// Anthropic's clients need the input as an object: text that is not one fails the answer here.
		const input = parseToolArguments(call.name, call.arguments);
		const block = { type: "tool_use" as const, id: call.id || randomId("toolu_"), name: call.name };
		content.push({ ...block, input });
		generated += bytes(call.name) + bytes(call.arguments);
		return [
			event("content_block_start", { index: index(), content_block: { ...block, input: {} } }),
			event("content_block_delta", {
				index: index(),
				delta: { type: "input_json_delta", partial_json: call.arguments },
			}),
			event("content_block_stop", { index: index() }),
		];
	}

	function delta(text: string): SseEvent {
		const open = content[index()] as ContentBlock;
		generated += bytes(text);
		if (open.type === "thinking") {
			open.thinking += text;
			return event("content_block_delta", { index: index(), delta: { type: "thinking_delta", thinking: text } });
		}
		(open as { text: string }).text += text;
		return event("content_block_delta", { index: index(), delta: { type: "text_delta", text } });
	}

	function end(block: Extract<BlockEvent, { type: "end" }>): SseEvent[] {
		stopReason = stopReasonOf(
			block,
			content.some((b) => b.type === "tool_use"),
		);
		stopSequence = stopReason === "stop_sequence" ? (block.stopSequence as string) : null;
		usage = anthropicUsage(block.usage, { input: options.estimatedInputTokens, output: tokensOfBytes(generated) });
		promptTokens = block.usage.reported ? block.usage.promptTokens : options.estimatedInputTokens;
		return [
			event("message_delta", { delta: { stop_reason: stopReason, stop_sequence: stopSequence }, usage }),
			event("message_stop"),
		];
	}

	function render(block: BlockEvent): SseEvent[] {
		if (options.hideThinking && "kind" in block && block.kind === "thinking") return [];
		switch (block.type) {
			case "start": {
				// The start event carries the empty field the SDK accumulates into; the body keeps its own copy.
				const empty = (): ContentBlock =>
					block.kind === "thinking" ? { type: "thinking", thinking: "", signature: "" } : { type: "text", text: "" };
				content.push(empty());
				return [event("content_block_start", { index: index(), content_block: empty() })];
			}
			case "delta":
				return [delta(block.text)];
			case "stop":
				return [event("content_block_stop", { index: index() })];
			case "tool":
				return toolBlock(block.call);
			case "end":
				return end(block);
		}
	}

	const renderAll = (events: BlockEvent[]) => events.flatMap(render);

	return {
		start: () => [
			event("message_start", {
				message: {
					id,
					type: "message",
					role: "assistant",
					model: options.model,
					content: [],
					stop_reason: null,
					stop_sequence: null,
					usage: { input_tokens: options.estimatedInputTokens, output_tokens: 0 },
				},
			}),
			event("ping"),
		],
		push: (piece: Piece) => renderAll(blocks.push(piece)),
		finish: () => renderAll(withoutCutCalls(blocks.finish())),
		// Anthropic's own keepalive: the SDK skips pings, yet the stream stays alive through a long prefill.
		keepalive: () => [event("ping")],
		fail: (error: ProxyError) => [{ event: "error", data: anthropicErrorBody(error, options.requestId) }],
		whole: () => ({
			id,
			type: "message",
			role: "assistant",
			model: options.model,
			content,
			stop_reason: stopReason,
			stop_sequence: stopSequence,
			usage,
		}),
		usage: () => ({ promptTokens, completionTokens: usage.output_tokens }),
	};
}

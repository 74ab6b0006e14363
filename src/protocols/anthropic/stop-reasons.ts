/**
 * How an answer ended, in Anthropic's words, from the upstream's finish reason.
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 */
import type { BlockEvent } from "../../core/assistant-blocks.ts";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

// OpenAI's finish reasons that have a name of their own in Anthropic's; any other ends the turn.
const BY_FINISH_REASON: Readonly<Record<string, StopReason>> = { length: "max_tokens", content_filter: "refusal" };

/** The stop reason for how the upstream finished; any tool call makes it `tool_use`. */
export function stopReasonOf(end: Extract<BlockEvent, { type: "end" }>, calledTools: boolean): StopReason {
	if (calledTools) return "tool_use";
	const named = BY_FINISH_REASON[end.finishReason];
	if (named) return named;
	return end.stopSequence !== undefined ? "stop_sequence" : "end_turn";
}

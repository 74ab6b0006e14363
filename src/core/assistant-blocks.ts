/**
 * Upstream pieces → the blocks an agent protocol is made of: thinking and text blocks (one open at a time, a change
 * of kind closes one and opens the next), whole tool calls, then one `end`. Anthropic's content blocks and the
 * Responses API's output items are both this sequence, so each protocol only renders it in its own words.
 *
 * A tool call goes out once it is complete: when a later call starts, or at the end.
 * Its arguments stay the upstream's raw text (Anthropic needs them parsed, the Responses API relays them verbatim),
 * except that a call without any is `{}`: both protocols' clients parse them as JSON, and "" is not JSON.
 */
import { ProxyError } from "./proxy-error.ts";
import { thinkTagSplitter } from "./think-tags.ts";
import { accumulateToolCalls, type CallSlots, type Piece } from "./upstream-chunks.ts";

export type BlockKind = "thinking" | "text";

/** A tool call as the upstream sent it; `id` is "" when the upstream gave none. */
export type FinishedCall = { id: string; name: string; arguments: string };

export type AgentUsage = {
	promptTokens: number;
	completionTokens: number;
	cachedTokens: number;
	reasoningTokens: number;
	/** False when the upstream sent no usage at all: renderers then send estimates, never zeros. */
	reported: boolean;
};

export type BlockEvent =
	| { type: "start"; kind: BlockKind }
	| { type: "delta"; kind: BlockKind; text: string }
	| { type: "stop"; kind: BlockKind }
	| { type: "tool"; call: FinishedCall }
	| { type: "end"; finishReason: string; usage: AgentUsage; stopSequence?: string };

export function assistantBlocks() {
	const slots: CallSlots = { calls: new Map(), slotOfIndex: new Map() };
	const tags = thinkTagSplitter();
	let open: BlockKind | undefined;
	let emittedCalls = 0;
	let finishReason: string | undefined;
	let stopSequence: string | undefined;
	const usage: AgentUsage = {
		promptTokens: 0,
		completionTokens: 0,
		cachedTokens: 0,
		reasoningTokens: 0,
		reported: false,
	};

	function close(out: BlockEvent[]) {
		if (open) out.push({ type: "stop", kind: open });
		open = undefined;
	}

	/** Sends every call up to (not including) slot `until`, in the order they started. */
	function emitCalls(out: BlockEvent[], until: number) {
		while (emittedCalls < until) {
			const call = slots.calls.get(emittedCalls++) as NonNullable<ReturnType<typeof slots.calls.get>>;
			close(out);
			const args = call.arguments.trim() === "" ? "{}" : call.arguments;
			out.push({ type: "tool", call: { id: call.id, name: call.name, arguments: args } });
		}
	}

	function text(out: BlockEvent[], kind: BlockKind, value: string) {
		if (!value) return;
		// Calls before the newest are complete and go out first, in production order. The newest may still be
		// receiving arguments (some servers interleave empty-looking text with them): it waits for its end.
		emitCalls(out, slots.calls.size - 1);
		if (open !== kind) {
			close(out);
			out.push({ type: "start", kind });
			open = kind;
		}
		out.push({ type: "delta", kind, text: value });
	}

	return {
		push(piece: Piece): BlockEvent[] {
			const out: BlockEvent[] = [];
			if (piece.usage) {
				usage.promptTokens = piece.usage.promptTokens;
				usage.completionTokens = piece.usage.completionTokens;
				usage.cachedTokens = piece.usage.cachedTokens ?? 0;
				usage.reasoningTokens = piece.usage.reasoningTokens ?? 0;
				usage.reported = true;
			}
			if (piece.finishReason) finishReason = piece.finishReason;
			if (piece.stopSequence !== undefined) stopSequence = piece.stopSequence;
			const split = tags.push(piece.content);
			text(out, "thinking", piece.reasoning + split.thinking);
			text(out, "text", split.content);
			if (piece.toolCalls.length > 0) {
				accumulateToolCalls(slots, piece.toolCalls);
				// Every call but the newest is complete once a later one has started.
				emitCalls(out, slots.calls.size - 1);
			}
			return out;
		},
		/** The rest: text a think tag held back, the last calls, then `end`; throws when the answer was cut short. */
		finish(): BlockEvent[] {
			if (finishReason === undefined) {
				throw new ProxyError(502, "upstream stream ended before the answer was complete", {}, "stream");
			}
			const out: BlockEvent[] = [];
			const rest = tags.flush();
			text(out, "thinking", rest.thinking);
			text(out, "text", rest.content);
			emitCalls(out, slots.calls.size);
			close(out);
			out.push({
				type: "end",
				finishReason,
				usage: { ...usage },
				...(stopSequence !== undefined && { stopSequence }),
			});
			return out;
		},
	};
}

export type AssistantBlocks = ReturnType<typeof assistantBlocks>;

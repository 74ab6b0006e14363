/**
 * Upstream pieces → the events an Ollama stream is made of: text and reasoning deltas as they arrive, then one `done`
 * event with the tool calls, the finish reason and the usage. OpenAI sends `finish_reason` first and the usage chunk
 * (`choices: []`) after it, so `done` waits for the upstream stream to end.
 */
import type { Logprob } from "../../core/logprobs.ts";
import { ProxyError } from "../../core/proxy-error.ts";
import { thinkTagSplitter } from "../../core/think-tags.ts";
import {
	accumulateToolCalls,
	type CallSlots,
	type PartialCall,
	type Piece,
	parseToolArguments,
	type TokenUsage,
} from "../../core/upstream-chunks.ts";
import type { DoneReason, OutputToolCall } from "./response-schemas.ts";

export type UpstreamEvent =
	| { type: "delta"; content: string; thinking: string; logprobs: Logprob[] }
	| { type: "done"; doneReason: DoneReason; toolCalls: OutputToolCall[]; usage: TokenUsage };

/** Ollama reports `length` when the token limit stopped the answer, and `stop` for every other reason (tool calls included). */
export function doneReasonFrom(finishReason: string): DoneReason {
	return finishReason === "length" ? "length" : "stop";
}

function finishToolCalls(calls: Map<number, PartialCall>): OutputToolCall[] {
	return [...calls.entries()]
		.sort(([slotA, a], [slotB, b]) => a.index - b.index || slotA - slotB)
		.map(([, call], index) => ({
			id: call.id || `call_${index}`,
			function: { index, name: call.name, arguments: parseToolArguments(call.name, call.arguments) },
		}));
}

export type EventOptions = {
	/** `think: false`: the client asked for no thinking, so none is passed on, wherever the upstream put it. */
	hideThinking: boolean;
};

/**
 * The event logic as a synchronous state machine, one piece at a time: the streaming hot path calls it directly,
 * without an async generator (and its promises) per layer.
 */
export function eventTranslator(options: EventOptions) {
	const slots: CallSlots = { calls: new Map(), slotOfIndex: new Map() };
	const tags = thinkTagSplitter();
	let finishReason: string | undefined;
	let usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
	const delta = (content: string, thinking: string, logprobs: Logprob[]): UpstreamEvent | undefined => {
		const shownThinking = options.hideThinking ? "" : thinking;
		return content || shownThinking || logprobs.length > 0
			? { type: "delta", content, thinking: shownThinking, logprobs }
			: undefined;
	};
	return {
		/** The delta this piece makes, if it makes one. */
		push(piece: Piece): UpstreamEvent | undefined {
			if (piece.usage) usage = piece.usage;
			if (piece.toolCalls.length > 0) accumulateToolCalls(slots, piece.toolCalls);
			const split = tags.push(piece.content);
			if (piece.finishReason) finishReason = piece.finishReason;
			return delta(split.content, piece.reasoning + split.thinking, piece.logprobs);
		},
		/** What the end of the stream adds: text a think tag held back, then `done`; throws when the answer was cut. */
		finish(): UpstreamEvent[] {
			const rest = tags.flush();
			const last = delta(rest.content, rest.thinking, []);
			// A stream that ends without a finish reason was cut short: never report it as a complete answer.
			if (finishReason === undefined) {
				throw new ProxyError(502, "upstream stream ended before the answer was complete");
			}
			const done: UpstreamEvent = {
				type: "done",
				doneReason: doneReasonFrom(finishReason),
				toolCalls: finishToolCalls(slots.calls),
				usage,
			};
			return last ? [last, done] : [done];
		},
	};
}

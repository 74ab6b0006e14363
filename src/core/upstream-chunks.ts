/**
 * What one upstream chunk says, whatever API it came from: chat-completion chunks and legacy completion chunks
 * (fill-in-the-middle) are reduced to the same `Piece`, which every protocol's renderer reads. Tool-call deltas are
 * accumulated here, and their argument text parsed, for every protocol alike.
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { Completion } from "openai/resources/completions";
import type { Logprob } from "./logprobs.ts";
import { fromChatLogprobs, fromCompletionLogprobs } from "./logprobs.ts";
import { ProxyError } from "./proxy-error.ts";

export type TokenUsage = {
	promptTokens: number;
	completionTokens: number;
	/** Prompt tokens the upstream served from its cache, when it says (agent protocols report them apart). */
	cachedTokens?: number;
	/** Completion tokens spent on reasoning, when the upstream says. */
	reasoningTokens?: number;
};

type ToolCallDelta = NonNullable<ChatCompletionChunk.Choice.Delta["tool_calls"]>[number];

/** What one upstream chunk says, whatever API it came from. */
export type Piece = {
	content: string;
	reasoning: string;
	toolCalls: readonly ToolCallDelta[];
	finishReason: string | null;
	usage?: TokenUsage;
	logprobs: Logprob[];
	/** The stop sequence that ended the answer, when the upstream names it (vLLM's `choices[].stop_reason`). */
	stopSequence?: string;
};

/**
 * An iterator of a stream's items that may also hand out, synchronously, the items it already holds (`ready`):
 * undefined when the next one needs a wait. A consumer writes everything one socket read brought in one go.
 */
export type ReadyIterator<T> = AsyncIterator<T> & { ready?(): IteratorResult<T> | undefined };

/** A call being assembled; `index` is the upstream's, which orders the finished calls. */
export type PartialCall = { index: number; id: string; name: string; arguments: string };

// Reasoning arrives as `reasoning_content` (DeepSeek, older vLLM), `reasoning` (OpenRouter, newer vLLM, Ollama's
// /v1) or OpenRouter's structured `reasoning_details`, which repeats `reasoning` when both are sent.
type ReasoningDelta = {
	reasoning_content?: string | null;
	reasoning?: string | null;
	reasoning_details?: Array<{ text?: string | null; summary?: string | null }> | null;
};

function reasoningOf(delta: ReasoningDelta): string {
	if (delta.reasoning_content) return delta.reasoning_content;
	if (delta.reasoning) return delta.reasoning;
	return (delta.reasoning_details ?? []).map((d) => d.text ?? d.summary ?? "").join("");
}

type UpstreamUsage = {
	prompt_tokens?: number;
	completion_tokens?: number;
	prompt_tokens_details?: { cached_tokens?: number | null } | null;
	completion_tokens_details?: { reasoning_tokens?: number | null } | null;
};

function usageOf(usage: UpstreamUsage | null | undefined): TokenUsage | undefined {
	if (!usage) return undefined;
	const found: TokenUsage = { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 };
	const cached = usage.prompt_tokens_details?.cached_tokens;
	const reasoning = usage.completion_tokens_details?.reasoning_tokens;
	if (cached) found.cachedTokens = cached;
	if (reasoning) found.reasoningTokens = reasoning;
	return found;
}

export function chatPiece(chunk: ChatCompletionChunk): Piece {
	const choice = chunk.choices?.[0] as (ChatCompletionChunk.Choice & { stop_reason?: unknown }) | undefined;
	const delta = (choice?.delta ?? {}) as ChatCompletionChunk.Choice.Delta & ReasoningDelta;
	const piece: Piece = {
		content: delta.content ?? "",
		reasoning: reasoningOf(delta),
		toolCalls: delta.tool_calls ?? [],
		finishReason: choice?.finish_reason ?? null,
		usage: usageOf(chunk.usage),
		logprobs: fromChatLogprobs(choice?.logprobs?.content),
	};
	// vLLM names the matched stop string here (an integer when a stop token id ended it).
	if (typeof choice?.stop_reason === "string") piece.stopSequence = choice.stop_reason;
	return piece;
}

export function completionPiece(chunk: Completion): Piece {
	const choice = chunk.choices?.[0];
	return {
		content: choice?.text ?? "",
		reasoning: "",
		toolCalls: [],
		finishReason: choice?.finish_reason ?? null,
		usage: usageOf(chunk.usage),
		logprobs: fromCompletionLogprobs(choice?.logprobs),
	};
}

/** Parses accumulated argument text into the object Ollama clients require; invalid JSON is an error they can see. */
export function parseToolArguments(name: string, text: string): Record<string, unknown> {
	if (text.trim() === "") return {};
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = undefined;
	}
	if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
		throw new ProxyError(502, `upstream returned invalid tool call arguments for "${name}"`);
	}
	return parsed as Record<string, unknown>;
}

/** Partial calls in the order they started, and which one each upstream `index` currently feeds. */
export type CallSlots = { calls: Map<number, PartialCall>; slotOfIndex: Map<number, number> };

export function accumulateToolCalls({ calls, slotOfIndex }: CallSlots, deltas: readonly ToolCallDelta[]) {
	for (const call of deltas) {
		// Gemini's endpoint sends parallel calls without an index, or all at index 0: a new id starts a new call.
		const index = typeof call.index === "number" ? call.index : -1;
		let slot = slotOfIndex.get(index);
		const current = slot === undefined ? undefined : calls.get(slot);
		if (slot === undefined || (call.id && current?.id && current.id !== call.id)) {
			slot = calls.size;
			slotOfIndex.set(index, slot);
		}
		const partial = calls.get(slot) ?? { index, id: "", name: "", arguments: "" };
		// The id comes once; some servers repeat the whole name on every delta instead of sending it once.
		partial.id ||= call.id ?? "";
		const name = call.function?.name ?? "";
		partial.name = partial.name === name ? name : partial.name + name;
		partial.arguments += call.function?.arguments ?? "";
		calls.set(slot, partial);
	}
}
